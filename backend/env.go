package backend

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// CheckEnv returns an error naming the environment variable name when it is
// set to a value other than one of valid (empty is unset, and valid): a
// misspelt setting is refused, never silently taken as the default.
func CheckEnv(name string, valid ...string) error {
	v := os.Getenv(name)
	if v == "" || slices.Contains(valid, v) {
		return nil
	}
	return fmt.Errorf("environment variable %s=%s: want %s, or unset: %w", name, Brief(v), strings.Join(valid, ", "), ErrInvalidArgument)
}

// Brief quotes s for a message, cut to its first 32 bytes (then "…"), so
// that a long input is not echoed whole.
func Brief(s string) string {
	if len(s) <= 32 {
		return strconv.Quote(s)
	}
	return strconv.Quote(strings.ToValidUTF8(s[:32], "")) + "…"
}
