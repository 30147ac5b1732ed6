package main

import (
	"os"
	"runtime"
	"strings"
)

// Machine describes the host the report ran on.
type Machine struct {
	CPU        string `json:"cpu"`        // model name from /proc/cpuinfo
	Cores      int    `json:"cores"`      // runtime.NumCPU
	GOMAXPROCS int    `json:"gomaxprocs"` // the cpu backend's workers
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	// LPNumThreads is $LP_NUM_THREADS, llvmpipe's thread count, if set.
	LPNumThreads string `json:"lp_num_threads,omitempty"`
	// ShaderCache says whether Mesa may serve compiled shaders from its
	// disk cache, which makes a repeat warm-up faster than a cold one.
	ShaderCache string `json:"shader_cache,omitempty"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages before the
	// run: other processes competing for the cores make the times noisy.
	LoadAvg string `json:"load_avg,omitempty"`
}

// thisMachine describes the host.
func thisMachine() Machine {
	return Machine{
		CPU:          cpuModel(),
		Cores:        runtime.NumCPU(),
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		GoVersion:    runtime.Version(),
		OS:           runtime.GOOS,
		Arch:         runtime.GOARCH,
		LPNumThreads: os.Getenv("LP_NUM_THREADS"),
		ShaderCache:  shaderCache(),
		LoadAvg:      loadAvg(),
	}
}

// cpuModel reads the first "model name" of /proc/cpuinfo (Linux), else
// names the architecture.
func cpuModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(raw), "\n") {
		key, val, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(val)
		}
	}
	return runtime.GOARCH
}

// shaderCache reports Mesa's shader disk cache setting as the environment
// gives it; Mesa enables the cache unless told otherwise.
func shaderCache() string {
	for _, v := range []string{"MESA_SHADER_CACHE_DISABLE", "MESA_GLSL_CACHE_DISABLE"} {
		if s := os.Getenv(v); s == "true" || s == "1" {
			return "disabled (" + v + "=" + s + "): warm-up is a cold compile"
		}
	}
	return "enabled unless the driver lacks one (MESA_SHADER_CACHE_DISABLE=true measures a cold compile); a repeat run's warm-up may be served from it"
}

// loadAvg returns the first three fields of /proc/loadavg, or "".
func loadAvg() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], ", ")
	}
	return ""
}
