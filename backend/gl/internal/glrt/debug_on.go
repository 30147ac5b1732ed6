//go:build gltraindebug

package glrt

// Debug reports whether this build checks GL errors after every call.
const Debug = true

// after checks for a GL error after the named call and keeps the first one
// on d (each device has its own context, on its own thread, so a device's
// errors are its own): in a debug build, the first failing call is the one
// an error names. The command stream collects it with TakePending after
// each command and names the command's op too; d.Check returns it.
func (d *Device) after(call string) {
	if err := Check(call); err != nil && d.pending == nil {
		d.pending = err
	}
}

// TakePending returns and clears the first error recorded by after.
func (d *Device) TakePending() error {
	err := d.pending
	d.pending = nil
	return err
}
