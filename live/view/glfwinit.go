package view

import (
	"bytes"
	"fmt"
	"log"
	"strings"

	"github.com/go-gl/glfw/v3.3/glfw"
)

// initGLFW initialises GLFW, or says why it could not, wrapping
// ErrNoDisplay. go-gl/glfw's Init returns nil when GLFW fails with a
// PlatformError (say, DISPLAY names an X server that is not there, as a
// stale DISPLAY in an ssh session does): it only logs the error, and the
// next GLFW call panics with NotInitialized. So the log is caught while
// Init runs, and GLFW is asked whether it is initialised (glfwGetTime
// reports NotInitialized when it is not); the reason logged becomes the
// error's.
func initGLFW() (err error) {
	var logged bytes.Buffer
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(&logged)
	log.SetFlags(0)
	log.SetPrefix("")
	defer func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
		why := strings.TrimSpace(logged.String())
		if r := recover(); r != nil {
			if why == "" {
				why = fmt.Sprint(r)
			}
			err = fmt.Errorf("%w: %s", ErrNoDisplay, why)
		} else if err == nil && why != "" {
			log.Print(why) // GLFW works, but said something: pass it on
		}
	}()
	if err := glfw.Init(); err != nil {
		return fmt.Errorf("%w: glfw.Init: %v", ErrNoDisplay, err)
	}
	glfw.GetTime() // panics with NotInitialized when Init failed
	return nil
}
