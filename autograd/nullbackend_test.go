package autograd_test

import "gltrain/backend"

// nullBackend is a backend whose kernels do nothing and which recycles its
// tensor handles, so that it allocates nothing in a steady state: under it,
// testing.AllocsPerRun counts autograd's allocations alone. The methods a
// training step does not call are left to the embedded nil interface, so
// calling one panics at once.
type nullBackend struct {
	backend.Backend
	free []*nullTensor
}

type nullTensor struct{ s backend.Shape }

func (t *nullTensor) Shape() backend.Shape { return t.s }

func newNullBackend() *nullBackend { return &nullBackend{} }

func (n *nullBackend) Name() string { return "null" }

func (n *nullBackend) New(s backend.Shape) (backend.Tensor, error) {
	if k := len(n.free); k > 0 {
		t := n.free[k-1]
		n.free = n.free[:k-1]
		t.s = s
		return t, nil
	}
	return &nullTensor{s}, nil
}

func (n *nullBackend) Release(t backend.Tensor) error {
	if t != nil {
		n.free = append(n.free, t.(*nullTensor))
	}
	return nil
}

func (n *nullBackend) Upload(backend.Tensor, []float32) error { return nil }
func (n *nullBackend) MatMul(_, _ backend.Transpose, _ float32, _, _ backend.Tensor, _ float32, _ backend.Tensor) error {
	return nil
}
func (n *nullBackend) Add(_, _, _ backend.Tensor) error                    { return nil }
func (n *nullBackend) Sub(_, _, _ backend.Tensor) error                    { return nil }
func (n *nullBackend) Mul(_, _, _ backend.Tensor) error                    { return nil }
func (n *nullBackend) Scale(backend.Tensor, float32, backend.Tensor) error { return nil }
func (n *nullBackend) Axpy(float32, backend.Tensor, backend.Tensor) error  { return nil }
func (n *nullBackend) Fill(backend.Tensor, float32) error                  { return nil }
func (n *nullBackend) AddBias(_, _, _ backend.Tensor) error                { return nil }
func (n *nullBackend) Broadcast(_, _ backend.Tensor) error                 { return nil }
func (n *nullBackend) Sum(_, _ backend.Tensor) error                       { return nil }
func (n *nullBackend) ColSum(_, _ backend.Tensor) error                    { return nil }
func (n *nullBackend) ActivationForward(backend.Activation, backend.Tensor, backend.Tensor) error {
	return nil
}
func (n *nullBackend) ActivationBackward(_ backend.Activation, _, _, _, _ backend.Tensor) error {
	return nil
}
func (n *nullBackend) SoftmaxCrossEntropy(_, _, _, _ backend.Tensor) error { return nil }
func (n *nullBackend) SGDStep(backend.SGD, backend.Tensor, backend.Tensor, backend.Tensor) error {
	return nil
}
