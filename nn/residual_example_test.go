package nn_test

import (
	"fmt"
	"os"
	"path/filepath"

	"gltrain/backend/cpu"
	"gltrain/nn"
)

// A residual model: two blocks x + F(x), each F a Sequential that keeps the
// width. Its parameters are named as PyTorch names those of a module
// holding F as attribute f, and Load rebuilds it from its checkpoint.
func ExampleResidual() {
	b := cpu.New()
	block := func() nn.Module {
		return &nn.Residual{F: nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Linear{Out: 32})}
	}
	m, err := nn.NewModel(b, nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), block(), block(), nn.Act(nn.ReLU), &nn.Linear{Out: 3}), 2, 1)
	if err != nil {
		panic(err)
	}
	defer m.Release()
	fmt.Println(m)
	fmt.Println(m.Parameters()[2].Name())
	dir, err := os.MkdirTemp("", "residual")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "m.safetensors")
	if err := nn.Save(path, m, nil); err != nil {
		panic(err)
	}
	l, err := nn.Load(path, b)
	if err != nil {
		panic(err)
	}
	defer l.Release()
	fmt.Println(l)
	// Output:
	// 2-32 relu-res(32 relu-32)-res(32 relu-32) relu-3
	// 2.f.0.weight
	// 2-32 relu-res(32 relu-32)-res(32 relu-32) relu-3
}
