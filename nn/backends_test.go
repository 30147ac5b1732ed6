package nn_test

// The backends the tests run on: backendtest.ForEach visits every backend
// this file imports.
import (
	_ "gltrain/backend/cpu"
	_ "gltrain/backend/gl"
)
