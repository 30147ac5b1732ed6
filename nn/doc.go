// Package nn builds and trains neural networks on the autograd graph:
// layers (Linear, activations, Sequential, the MLP builder), initialisers,
// losses, optimisers with learning-rate schedules, and a training loop
// usable as a library. Data sets live in nn/data; checkpoints are written in
// the safetensors format by nn/safetensors.
//
// A network is described by an Arch (layer sizes and activation), which is
// what a checkpoint stores, and built on a backend with Build:
//
//	model, err := nn.MLP(2, []int{100}, 3, nn.ReLU).Build(b, seed)
//
// MLP(in, nil, out, nn.Identity) is the linear classifier of the course
// notes, f(x) = x·W + b: no line separates the spiral, which is why the
// 2-layer net, f = W2·max(0, W1·x + b1) + b2, exists.
//
// Dimensions follow the backend package: x is batch×in, W is in×out, the
// output is batch×out. Parameters are named as PyTorch names them inside a
// Sequential held in a field called layers: "layers.0.weight",
// "layers.0.bias", "layers.2.weight" (odd indices are activations).
//
// Training keeps the data on the device: Trainer uploads the data set once,
// gathers each mini-batch there from an uploaded index vector, and reads the
// loss and accuracy back only every LogEvery steps (and at the end of each
// epoch), from a log the kernels write on the device, so the host does not
// wait for the device at every step.
//
// On a backend that can pack tensors (backend.Packer), SGD and Adam move the
// parameters, their gradients and the optimiser's state into flat tensors at
// construction, each parameter holding a view, so that a step is one
// optimiser kernel for the whole model rather than one per parameter; the
// results are the same bits. Releasing the optimiser gives the parameters
// tensors of their own again.
package nn
