//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package safefile

import "os"

// canLock says that lock and tryLock do nothing here: stale temporary files
// cannot be told from those of saves in progress, and are kept.
const canLock = false

func lock(*os.File) {}

func tryLock(*os.File) bool { return false }
