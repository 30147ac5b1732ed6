package nn

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"gltrain/backend"
)

// Schedule gives the learning rate of each epoch (counted from 0), as
// PyTorch's schedulers stepped once per epoch.
type Schedule interface {
	LR(epoch int) float32
}

// ConstantLR keeps the base rate.
type ConstantLR struct{ Base float32 }

// LR returns the base rate.
func (s ConstantLR) LR(int) float32 { return s.Base }

// StepLR multiplies the rate by Gamma every StepSize epochs:
//
//	lr(e) = Base · Gamma^⌊e/StepSize⌋
type StepLR struct {
	Base     float32
	StepSize int
	Gamma    float32
}

// LR returns the rate of epoch e.
func (s StepLR) LR(e int) float32 {
	return float32(float64(s.Base) * math.Pow(float64(s.Gamma), float64(e/max(s.StepSize, 1))))
}

// CosineLR anneals the rate from Base to Min over Epochs epochs:
//
//	lr(e) = Min + (Base − Min)·(1 + cos(π·e/Epochs))/2
type CosineLR struct {
	Base, Min float32
	Epochs    int
}

// LR returns the rate of epoch e.
func (s CosineLR) LR(e int) float32 {
	t := math.Min(float64(e)/float64(max(s.Epochs, 1)), 1)
	return s.Min + (s.Base-s.Min)*float32((1+math.Cos(math.Pi*t))/2)
}

// ParseSchedule reads a schedule for base rate lr over epochs: "constant"
// (or ""), "step" (×0.1 every third of the epochs), "step:N:G" (×G every N
// epochs) or "cosine" (to 0). Only step takes parameters; G must be a
// finite float32 greater than 0, and so must lr; epochs must be 1 or more.
func ParseSchedule(s string, lr float32, epochs int) (Schedule, error) {
	if !(lr > 0) || math.IsInf(float64(lr), 0) {
		return nil, fmt.Errorf("schedule %s: learning rate %v: want a finite number > 0: %w", excerpt(s), lr, backend.ErrInvalidArgument)
	}
	if epochs < 1 {
		return nil, fmt.Errorf("schedule %s: %d epochs: want 1 or more: %w", excerpt(s), epochs, backend.ErrInvalidArgument)
	}
	name, rest, hasRest := strings.Cut(strings.ToLower(s), ":")
	if hasRest && name != "step" {
		return nil, fmt.Errorf("schedule %q: %s takes no parameters", s, name)
	}
	switch name {
	case "", "constant":
		return ConstantLR{Base: lr}, nil
	case "cosine":
		return CosineLR{Base: lr, Epochs: epochs}, nil
	case "step":
		st := StepLR{Base: lr, StepSize: max(epochs/3, 1), Gamma: 0.1}
		if hasRest {
			n, g, ok := strings.Cut(rest, ":")
			size, err1 := strconv.Atoi(n)
			gamma, err2 := strconv.ParseFloat(g, 32) // out of float32's range is an error
			if !ok || err1 != nil || err2 != nil || size < 1 || !(gamma > 0) || math.IsInf(gamma, 0) || float32(gamma) == 0 {
				return nil, fmt.Errorf("schedule %q: want step:N:G with N ≥ 1 epochs and G a finite number > 0", s)
			}
			st.StepSize, st.Gamma = size, float32(gamma)
		}
		return st, nil
	}
	return nil, fmt.Errorf("unknown schedule %q (valid: constant, step, step:N:G, cosine)", s)
}
