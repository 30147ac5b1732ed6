package gl_test

import "fmt"

// fmtSscan reads "major.minor" from the front of a GL_VERSION string.
func fmtSscan(version string, major, minor *int) (int, error) {
	return fmt.Sscanf(version, "%d.%d", major, minor)
}
