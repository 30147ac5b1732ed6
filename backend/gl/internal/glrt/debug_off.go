//go:build !gltraindebug

package glrt

// Debug reports whether this build checks GL errors after every call.
const Debug = false

// after is called after every GL call with the call's name; in normal builds
// it does nothing and compiles away.
func (d *Device) after(string) {}

// TakePending returns the error debug builds record after each call; in
// normal builds there is none.
func (d *Device) TakePending() error { return nil }
