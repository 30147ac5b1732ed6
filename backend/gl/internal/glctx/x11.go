package glctx

// #cgo pkg-config: x11
// #include <stdlib.h>
// #include <X11/Xlib.h>
import "C"

import (
	"fmt"
	"os"
	"time"
)

// holdDisplay connects to the X display in $DISPLAY and returns a function
// that disconnects. The GLFW path holds this connection for as long as its
// context lives, for two reasons. An X server resets when its last client
// disconnects, and refuses connections while it does (Xvfb without
// -noreset): another client's connection keeps it from resetting under
// GLFW's. And go-gl/glfw's Init does not return an X11 failure as an error
// (it logs it, and the next GLFW call panics), so the path must know first
// that the display answers. A display that is resetting is retried for a
// second.
func holdDisplay() (release func(), err error) {
	for try := 0; ; try++ {
		if d := C.XOpenDisplay(nil); d != nil {
			return func() { C.XCloseDisplay(d) }, nil
		}
		if try == 10 {
			return nil, fmt.Errorf("cannot connect to the X display %q (is the X server running, and is XAUTHORITY right?)", os.Getenv("DISPLAY"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
