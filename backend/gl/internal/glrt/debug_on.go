//go:build gltraindebug

package glrt

// Debug reports whether this build checks GL errors after every call.
const Debug = true

// after checks for a GL error after the named call and panics with the call's
// name: in a debug build, the first failing call is the one to see.
func after(call string) {
	if err := Check(call); err != nil {
		panic("gl: " + err.Error())
	}
}
