//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package safefile

import (
	"os"
	"syscall"
)

// canLock says that lock and tryLock work here.
const canLock = true

// lock takes an exclusive advisory lock on f, held until f is closed or the
// process ends (however it ends). A failure leaves f unlocked: the file is
// then only at risk from a concurrent RemoveStale.
func lock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// tryLock reports whether it took the lock of f: whether no one holds it.
func tryLock(f *os.File) bool {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
