package nn

import (
	"fmt"
	"math"

	"gltrain/backend"
	"gltrain/nn/data"
)

// checkStandardizer validates a model's standardisation for inputs
// features: a mean and a deviation per feature, each mean finite within
// float32's range (the features are float32s, and so is their mean), each
// deviation a normal float32 > 0 (FitStandardizer makes 1 of a 0), so that
// the standardised features of data in float32's range stay finite.
func checkStandardizer(st *data.Standardizer, inputs int) error {
	if len(st.Mean) != inputs || len(st.Std) != inputs {
		return fmt.Errorf("%d means and %d deviations for %d inputs", len(st.Mean), len(st.Std), inputs)
	}
	for j := range st.Mean {
		if mu, s := st.Mean[j], st.Std[j]; !(math.Abs(mu) <= math.MaxFloat32) {
			return fmt.Errorf("mean of feature %d is %v, want a finite number within float32's range", j, mu)
		} else if !(s >= minNormal32 && s <= math.MaxFloat32) {
			return fmt.Errorf("deviation of feature %d is %v, want a number from %v to %v", j, s, float32(minNormal32), float32(math.MaxFloat32))
		}
	}
	return nil
}

// minNormal32 is the least normal float32, 2⁻¹²⁶.
const minNormal32 = 0x1p-126

// checkInputs validates the inputs of Predict and Probabilities: rows of the
// model's width, every value finite, and the model's standardisation.
func (m *Model) checkInputs(op string, x []float32) error {
	if st := m.Standardizer; st != nil {
		if err := checkStandardizer(st, m.Inputs); err != nil {
			return fmt.Errorf("nn: %s: the Standardizer: %w: %w", op, err, backend.ErrInvalidArgument)
		}
	}
	for k, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("nn: %s: row %d, feature %d is %v: want finite features: %w", op, k/max(m.Inputs, 1), k%max(m.Inputs, 1), v, backend.ErrInvalidArgument)
		}
	}
	return nil
}
