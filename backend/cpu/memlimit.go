package cpu

import "gltrain/internal/hostmem"

// hostAvailable is the memory this process may still allocate, in bytes,
// and which limit sets it: the least of MemAvailable, the cgroup's limit
// less its usage, and RLIMIT_AS less VmSize (hostmem.Available). ok is
// false where none can be read (not Linux). A variable, so that tests can
// set the host's memory.
var hostAvailable = hostmem.Available
