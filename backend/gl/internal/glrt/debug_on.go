//go:build gltraindebug

package glrt

// Debug reports whether this build checks GL errors after every call.
const Debug = true

// pending is the first GL error a call raised since TakePending, named by
// the call; touched only on the GL thread.
var pending error

// after checks for a GL error after the named call and keeps the first one:
// in a debug build, the first failing call is the one an error names. The
// command stream collects it with TakePending after each command and names
// the command's op too.
func after(call string) {
	if err := Check(call); err != nil && pending == nil {
		pending = err
	}
}

// TakePending returns and clears the first error recorded by after.
func TakePending() error {
	err := pending
	pending = nil
	return err
}
