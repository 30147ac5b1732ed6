package backend

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Opener opens a backend. options is the text after the first ':' of the
// name given to Open ("gl:egl-surfaceless" gives "egl-surfaceless"), empty
// when there is none; each backend documents what it accepts.
type Opener func(options string) (Backend, error)

var registry struct {
	sync.Mutex
	openers map[string]Opener
}

// Register makes a backend available to Open under name. Backends register
// themselves in an init function; registering a name twice panics.
func Register(name string, open Opener) {
	registry.Lock()
	defer registry.Unlock()
	if registry.openers == nil {
		registry.openers = make(map[string]Opener)
	}
	if _, dup := registry.openers[name]; dup {
		panic("backend: Register called twice for " + name)
	}
	registry.openers[name] = open
}

// Names lists the registered backends, sorted.
func Names() []string {
	registry.Lock()
	defer registry.Unlock()
	names := make([]string, 0, len(registry.openers))
	for n := range registry.openers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Open opens the backend registered under the part of spec before any ':',
// passing the rest to it as options: Open("cpu"), Open("gl:glfw"). "auto"
// is OpenAuto's choice: GL on a hardware renderer, else the CPU.
func Open(spec string) (Backend, error) {
	name, options, _ := strings.Cut(spec, ":")
	if name == "auto" && !registered("auto") {
		b, _, err := OpenAuto("cpu" + strings.TrimPrefix(spec, "auto"))
		if err != nil && options != "" {
			err = fmt.Errorf("%s: auto's options are those of its CPU fallback: %w", spec, err)
		}
		return b, err
	}
	registry.Lock()
	open, ok := registry.openers[name]
	registry.Unlock()
	if !ok {
		return nil, fmt.Errorf("backend %q is not registered: %s", name, registerHint(name))
	}
	return open(options)
}

// knownBackends are gltrain's own backends and the package whose import
// registers each.
var knownBackends = map[string]string{"cpu": "gltrain/backend/cpu", "gl": "gltrain/backend/gl"}

// registerHint says what is registered and, for one of gltrain's own
// backends, the import that registers it.
func registerHint(name string) string {
	have := "none is"
	if names := Names(); len(names) > 0 {
		have = "registered: " + strings.Join(names, ", ")
	}
	if pkg, ok := knownBackends[name]; ok {
		return fmt.Sprintf("add import _ %q to the program (%s)", pkg, have)
	}
	known := make([]string, 0, len(knownBackends))
	for n := range knownBackends {
		known = append(known, n)
	}
	sort.Strings(known)
	return fmt.Sprintf("gltrain's backends are %s (%s)", strings.Join(known, " and "), have)
}
