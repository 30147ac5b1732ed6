package backend

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ActivationKind names an activation function: an index into the activation
// table (activations.go), whose rows are the whole definition of each kind.
type ActivationKind uint8

// MaxActivationParams is the most parameters an activation takes (Softplus's
// β and threshold).
const MaxActivationParams = 2

// ActivationParams are a kind's parameters in float64, in the order its row
// declares them, with the defaults filled in.
type ActivationParams [MaxActivationParams]float64

// ActivationDef is one row of the activation table: everything the
// backends, the graph, the command line, the checkpoints and the tests need
// to know about one activation function. Adding an activation is adding a
// row (and its PyTorch counterpart to the golden file's script,
// backend/backendtest/testdata/torch_activations.py).
type ActivationDef struct {
	// Name is the lower-case name ParseActivation reads, String writes,
	// and checkpoints store; Aliases are other names ParseActivation
	// accepts ("swish" for silu). Parsing ignores case, "_" and "-".
	Name    string
	Aliases []string
	// Formula is the definition, for docs and help.
	Formula string
	// Params are the parameters in order ("leakyrelu:0.2", "softplus:2:20").
	Params []ParamDef

	// F and DF are the float64 reference of f(x) and f'(x), NaN, ±Inf and
	// ±0 included, as PyTorch gives them (checked against the golden file
	// made by torch 1.13 in float64). The CPU backend evaluates them and
	// rounds to float32, unless it has a float32 fast path for the kind
	// (ReLU and the identity), which gives the same bits.
	F, DF func(x float64, p ActivationParams) float64
	// Gate, when set, makes the backward pass select as well as multiply,
	// as PyTorch's does for ReLU and the hard functions: dx = dy·f'(x)
	// where Gate(x) holds and +0 elsewhere, so that an infinite or NaN dy
	// does not pass a unit outside the gate. Without it dx = dy·f'(x),
	// the IEEE product (±Inf·0 is NaN).
	Gate func(x float64, p ActivationParams) bool

	// GLSL holds the GPU kernels' forms of f and f' as GLSL function
	// bodies of x (a float) and the parameters under their GLSL names. They
	// may call common.glsl's float32 functions (exp_f, log1p_f, sigmoid_f,
	// tanh_f, erfc_f, is_nan_f, is_finite_f, …), which are accurate to a
	// few ulp, and must give PyTorch's NaN, ±Inf and ±0: test NaN by the
	// bits (is_nan_f), never by a comparison a compiler may assume away.
	GLSL GLSLActivation

	// Init is the weight initialiser a layer followed by f calls for.
	Init InitFamily
	// Gain is the initialiser's gain for the parameters p, when it is not
	// the family's default (√2 for He, 1 otherwise).
	Gain func(p ActivationParams) float64
	// Cost is the work of one element relative to an addition (1 for
	// ReLU, about 16 for a few exponentials), for splitting loops.
	Cost int
}

// GLSLActivation is an activation's GLSL: the bodies of
//
//	float f(float x, <params>)
//	float df(float x, <params>)
//	bool gate(float x, <params>)   (only with a Gate)
type GLSLActivation struct {
	Forward, Grad string
	// Gate is the body of bool gate(float x, <params>), required with
	// ActivationDef.Gate.
	Gate string
}

// ParamDef is one parameter of an activation. A parameter's zero value in
// Activation.Params stands for its default, so a valid value is never 0.
type ParamDef struct {
	// Name is the parameter's name in help, errors, checkpoints and GLSL
	// ("slope", "alpha", "beta", "threshold").
	Name string
	// Default is the value when none is given.
	Default float64
	// Min and Max bound the valid values (inclusive; ±Inf for none).
	// NaN, ±Inf and 0 are never valid.
	Min, Max float64
	// Test is a second value the conformance and golden tests use.
	Test float64
	// Note is said in help after the default ("PyTorch's default is 0.01").
	Note string
}

// InitFamily is the kind of weight initialiser an activation calls for.
type InitFamily uint8

const (
	// InitHe is He (Kaiming) normal, for the ReLU family.
	InitHe InitFamily = iota
	// InitXavier is Xavier (Glorot) uniform, for tanh, sigmoid and the
	// identity.
	InitXavier
	// InitLeCun is He normal with gain 1, N(0, 1/in), for SELU's
	// self-normalisation.
	InitLeCun
)

// valid reports whether v is an allowed value of the parameter.
func (p ParamDef) valid(v float64) bool {
	return v != 0 && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= p.Min && v <= p.Max
}

// Range describes the valid values: "a finite number ≠ 0", "> 0", ….
func (p ParamDef) Range() string {
	switch {
	case p.Min == 0 && math.IsInf(p.Max, 1):
		return "> 0"
	case math.IsInf(p.Min, -1) && math.IsInf(p.Max, 1):
		return "a finite number ≠ 0"
	}
	return fmt.Sprintf("in [%g, %g], ≠ 0", p.Min, p.Max)
}

// ActivationKinds lists every kind, in table order.
func ActivationKinds() []ActivationKind {
	ks := make([]ActivationKind, len(activationTable))
	for i := range ks {
		ks[i] = ActivationKind(i)
	}
	return ks
}

// Def is k's row of the activation table; k must be valid.
func (k ActivationKind) Def() *ActivationDef { return &activationTable[k] }

// String is the kind's lower-case name, as ParseActivation accepts it.
func (k ActivationKind) String() string {
	if k.Valid() {
		return activationTable[k].Name
	}
	return "activation(" + strconv.Itoa(int(k)) + ")"
}

// Valid reports whether k is one of the table's kinds.
func (k ActivationKind) Valid() bool { return int(k) < len(activationTable) }

// Activation is an activation function with its parameters, in the order
// its row declares them (LeakyReLU's slope, ELU's α, Softplus's β and
// threshold). A zero parameter means the default.
type Activation struct {
	Kind   ActivationKind
	Params [MaxActivationParams]float32
}

// Param returns parameter i as the kernels use it: Params[i], or the
// default when it is zero (0 for a parameter the kind does not have).
func (a Activation) Param(i int) float32 {
	if a.Params[i] != 0 || !a.Kind.Valid() || i >= len(a.Kind.Def().Params) {
		return a.Params[i]
	}
	return float32(a.Kind.Def().Params[i].Default)
}

// Float64 returns every parameter, defaults filled in, for the references.
func (a Activation) Float64() ActivationParams {
	var p ActivationParams
	for i := range p {
		p[i] = float64(a.Param(i))
	}
	return p
}

// String formats the activation as ParseActivation reads it: "relu",
// "leakyrelu:0.2", or "softplus:1:10" (the parameters up to the last one
// that is not the default).
func (a Activation) String() string {
	s := a.Kind.String()
	last := -1
	for i := range a.Params {
		if a.Params[i] != 0 {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		s += ":" + strconv.FormatFloat(float64(a.Param(i)), 'g', -1, 32)
	}
	return s
}

// normName is a name as ParseActivation compares it.
func normName(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

// LookupActivation returns the kind named name (or one of its aliases),
// ignoring case, "_" and "-".
func LookupActivation(name string) (ActivationKind, bool) {
	n := normName(name)
	for k := range activationTable {
		d := &activationTable[k]
		if normName(d.Name) == n {
			return ActivationKind(k), true
		}
		for _, a := range d.Aliases {
			if normName(a) == n {
				return ActivationKind(k), true
			}
		}
	}
	return 0, false
}

// ActivationNames lists every kind's name, in table order.
func ActivationNames() []string {
	names := make([]string, len(activationTable))
	for k := range activationTable {
		names[k] = activationTable[k].Name
	}
	return names
}

// ParseActivation reads an activation's name, optionally followed by its
// parameters, each after a ":" ("leakyrelu:0.2", "softplus:2:20"). Names
// are case-insensitive, and "_" and "-" in them are ignored; aliases
// ("swish", "linear") are accepted too.
func ParseActivation(s string) (Activation, error) {
	fields := strings.Split(s, ":")
	kind, ok := LookupActivation(fields[0])
	if !ok {
		return Activation{}, fmt.Errorf("unknown activation %q (valid: %s)", excerpt(s), strings.Join(ActivationNames(), ", "))
	}
	a, d := Activation{Kind: kind}, kind.Def()
	if len(fields)-1 > len(d.Params) {
		return Activation{}, fmt.Errorf("activation %q: %s", excerpt(s), paramsPhrase(d))
	}
	for i, f := range fields[1:] {
		p := d.Params[i]
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Activation{}, fmt.Errorf("activation %q: %s %q is not a number", excerpt(s), p.Name, excerpt(f))
		}
		if !p.valid(v) || float32(v) == 0 || math.Abs(v) > math.MaxFloat32 {
			return Activation{}, fmt.Errorf("activation %q: %s %v: want %s", excerpt(s), p.Name, v, p.Range())
		}
		if float32(v) != float32(p.Default) { // the default is stored as 0, so each setting has one form
			a.Params[i] = float32(v)
		}
	}
	return a, nil
}

// ActivationHelp describes the activations for command-line help: the
// names, the aliases, and the parameters with their defaults, one line per
// parametrised kind.
func ActivationHelp() string {
	var aliases, params []string
	for _, k := range ActivationKinds() {
		d := k.Def()
		for _, a := range d.Aliases {
			aliases = append(aliases, a+" ("+d.Name+")")
		}
		if len(d.Params) == 0 {
			continue
		}
		form, defs := d.Name, make([]string, len(d.Params))
		for i, p := range d.Params {
			form += ":" + strings.ToUpper(p.Name)
			defs[i] = fmt.Sprintf("%s %g", p.Name, p.Default)
			if p.Note != "" {
				defs[i] += "; " + p.Note
			}
		}
		params = append(params, fmt.Sprintf("  %s: %s (default %s)", form, d.Formula, strings.Join(defs, ", ")))
	}
	return strings.Join(ActivationNames(), ", ") + "\n" +
		"(case-insensitive, \"_\" and \"-\" ignored; also " + strings.Join(aliases, ", ") + ").\n" +
		"Parameters follow the name, each after a colon; trailing ones may be left out:\n" + strings.Join(params, "\n")
}

// paramsPhrase says which parameters d takes: "relu takes no parameter",
// "softplus takes beta and threshold".
func paramsPhrase(d *ActivationDef) string {
	if len(d.Params) == 0 {
		return d.Name + " takes no parameter"
	}
	names := make([]string, len(d.Params))
	for i, p := range d.Params {
		names[i] = p.Name
	}
	return d.Name + " takes " + strings.Join(names, " and ")
}

// CheckActivation validates an activation's kind and parameters for op.
func CheckActivation(op string, f Activation) error {
	if !f.Kind.Valid() {
		return fmt.Errorf("%s: unknown activation kind %v: %w", op, f.Kind, ErrInvalidArgument)
	}
	d := f.Kind.Def()
	for i, v := range f.Params {
		switch {
		case v == 0:
		case i >= len(d.Params):
			return fmt.Errorf("%s: %v parameter %d (%v): %s: %w", op, f.Kind, i+1, v, paramsPhrase(d), ErrInvalidArgument)
		case math.IsNaN(float64(v)) || math.IsInf(float64(v), 0):
			return fmt.Errorf("%s: %v parameter %v: want a finite number: %w", op, f.Kind, v, ErrInvalidArgument)
		case !d.Params[i].valid(float64(v)):
			return fmt.Errorf("%s: %v %s %v: want %s: %w", op, f.Kind, d.Params[i].Name, v, d.Params[i].Range(), ErrInvalidArgument)
		}
	}
	return nil
}

// excerpt quotes at most 40 bytes of s.
func excerpt(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// ActivationSettings lists the settings the tests and the golden file cover:
// every kind with its defaults and, for each parameter, the kind with that
// parameter at its Test value.
func ActivationSettings() []Activation {
	var as []Activation
	for _, k := range ActivationKinds() {
		as = append(as, Activation{Kind: k})
		for i, p := range k.Def().Params {
			a := Activation{Kind: k}
			a.Params[i] = float32(p.Test)
			as = append(as, a)
		}
	}
	return as
}
