package autograd_test

// The backends the tests run on: backendtest.ForEach visits every backend
// this file imports, and the cross-backend test compares each with "cpu".
import (
	_ "gltrain/backend/cpu"
	_ "gltrain/backend/gl"
)
