module gltrain

go 1.24.0

require (
	github.com/go-gl/gl v0.0.0-20231021071112-07e5d0ea2e71
	github.com/go-gl/glfw/v3.3/glfw v0.0.0-20260823155953-d41da22a9587
	gonum.org/v1/gonum v0.17.0
)

require github.com/stretchr/testify v1.12.1 // indirect
