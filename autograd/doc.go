// Package autograd is gltrain's computational graph: define-by-run
// reverse-mode automatic differentiation on top of the backend contract.
//
// # Nodes, forward and backward
//
// A Graph records one forward pass. Every operation called on it (MatMul,
// AddBias, Activation, the losses, …) is a node: it computes its value at
// once, on the device, and returns it as a *Value, remembering its inputs.
// The leaves of the graph are parameters (NewParameter: weights owned by a
// model, which want gradients) and inputs (Graph.Input: data and labels,
// which do not).
//
// Backward(loss) then runs the nodes in reverse. Each node receives the
// upstream gradient, ∂L/∂output, the gradient of the loss with respect to
// its value; it multiplies it by its local gradient, ∂output/∂input, and
// passes the product, ∂L/∂input, to each of its inputs: the chain rule,
//
//	∂L/∂x = ∂L/∂y · ∂y/∂x
//
// applied one node at a time. The walk starts from the loss with the seed
// ∂L/∂L = 1 and visits a node only after every node that used its value, so
// its upstream gradient is complete when its turn comes. A value used twice
// (z·z, or x feeding two branches) receives one upstream gradient per use
// and their sum is its gradient, the multivariate chain rule: the first
// contribution to a gradient overwrites it and later ones add to it (the
// `+=` of micrograd).
//
// For the course notes' example f = z·(x + y) with x = −2, y = 5, z = −4, the
// add node gives q = 3 and the multiply node f = −12. Backward seeds
// ∂f/∂f = 1; the multiply node's local gradients are ∂f/∂q = z and
// ∂f/∂z = q, so it passes −4 to q and 3 to z; the add node's local
// gradients are 1, so it passes −4 on to both x and y.
//
// Each operation keeps its backward function beside its forward one, one
// file per family (matmul.go, elementwise.go, binary.go, activation.go,
// reduce.go, loss.go, linear.go, softmax.go, axis.go, shape.go), and every backward step is a backend
// kernel: nothing is copied to the host. The losses compute their gradient
// with respect to the predictions in the same kernel as the loss, during the
// forward pass, and keep it for the backward pass.
//
// # Gradients and their lifetime
//
// A parameter's gradient tensor belongs to the parameter and persists across
// steps: gradients accumulate over Backward calls until ZeroGrad, as in
// PyTorch. ZeroGrad dispatches nothing; it marks the gradients stale, so
// that the next contribution overwrites them, and Grad reports nil until
// then (PyTorch's zero_grad(set_to_none=True)). ReleaseGrad returns a
// parameter's gradient tensor to the backend.
//
// Every other tensor is the graph's: node values, the gradients of graph
// leaves and the losses' cached gradients live until Reset, which returns
// them to the backend's pool and readies the graph for the next step. The
// gradient of an intermediate node is released as soon as its backward step
// has run, so the backward pass holds only the gradients still in flight.
// After warm-up a training step reuses the same device buffers and the same
// Value structs, so neither device memory nor the Go heap grows.
//
// # Errors
//
// Errors are sticky, as with bufio.Writer: the first failure of an
// operation (mismatched shapes, a nil input, a backend error) is recorded,
// the operation and every later one return a placeholder Value without
// dispatching anything, and Err and Backward return the error. Shape errors
// come from the backend's Check functions and name the operation and the
// shapes. No operation panics on bad input. Reset clears the error.
//
// # No-grad mode
//
// SetGrad(false) turns a graph into an evaluator: nodes record no backward
// information and the losses compute no gradient, for validation passes.
//
// # Memory
//
// A graph owns the tensors of the values it makes. They go back to the
// backend's pool at Reset, or — so that a loop written the obvious way
// (forward, loss, Backward, optimiser step, ZeroGrad, repeat) never grows —
// when the first operation after a Backward starts a new step. Calling
// Reset after each step is still best: it frees the step's tensors at once
// and recycles the Value structs. A graph that reaches a million values
// without either logs one warning (Warn) naming Reset.
//
// A Graph is not safe for concurrent use, and a Value is valid until the
// graph that made it resets: at Reset, or at the first operation after a
// Backward. Using it later is an error, never a silent reuse.
package autograd
