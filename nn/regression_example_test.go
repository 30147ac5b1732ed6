package nn_test

import (
	"context"
	"fmt"

	"gltrain/backend/cpu"
	"gltrain/nn"
	"gltrain/nn/data"
)

// A regression: a data.Set of real-valued targets (two columns here, y0 =
// 2x − 1 and y1 = −x) trains with mean squared error as a classifier does
// with its labels; EvaluateRegression scores it and PredictValues predicts.
func ExampleEvaluateRegression() {
	b := cpu.New()
	defer b.Close()
	set := data.Set{Name: "lines", Features: 1, Outputs: 2, TargetNames: []string{"y0", "y1"}}
	for i := range 32 {
		x := float32(i)/16 - 1
		set.X = append(set.X, x)
		set.Targets = append(set.Targets, 2*x-1, -x)
	}
	m, err := nn.MLP(1, nil, 2, nn.Identity).Build(b, 1) // a linear model, one output per target
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Release()
	opt, err := nn.NewOptimizer("adam", b, m.Parameters(), 0.05, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer opt.Release()
	tr := nn.Trainer{Model: m, Loss: nn.MeanSquaredError, Optimizer: opt, Epochs: 300, BatchSize: 32, Train: set}
	if _, err := tr.Fit(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	ds, err := nn.Upload(b, set)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ds.Release()
	_, metrics, err := nn.EvaluateRegression(m, nn.MeanSquaredError, ds, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("R² %.3f, MAE below 0.01: %v\n", metrics.R2, metrics.MAE < 0.01)
	y, err := nn.PredictValues(m, []float32{0.75})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("at x = 0.75: y0 %.2f, y1 %.2f\n", y[0], y[1])
	// Output:
	// R² 1.000, MAE below 0.01: true
	// at x = 0.75: y0 0.50, y1 -0.75
}
