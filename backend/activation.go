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
//
// A row is a hidden-layer activation (ReLU, GELU, …) or, with Primitive
// set, an elementwise primitive of the graph (exp, log, pow, clamp, …):
// the same kernels, references, autograd node and golden checks, but not a
// name that -act, -layers, ParseActivation or a checkpoint's layer spec
// accepts, nor one ActivationKinds, ActivationNames or ActivationHelp list.
type ActivationDef struct {
	// Name is the lower-case name ParseActivation reads, String writes,
	// and checkpoints store; Aliases are other names ParseActivation
	// accepts ("swish" for silu). Parsing ignores case, "_" and "-".
	Name    string
	Aliases []string
	// Formula is the definition, for docs and help.
	Formula string
	// Params are the parameters in order ("leakyrelu:0.2", "softplus:2:20").
	// Required parameters come first.
	Params []ParamDef
	// Primitive marks an elementwise primitive rather than an activation
	// (see the type's doc).
	Primitive bool
	// Check, when set, validates the parameters together (clamp's lo ≤ hi),
	// after each has passed its ParamDef's range; it returns what is wrong.
	Check func(p ActivationParams) string
	// Settings, for a row with required parameters (which have no
	// defaults), are the parameter values the tests and the golden file
	// cover, each one setting; rows without required parameters are
	// covered at their defaults and at each parameter's Test value.
	Settings [][]float64
	// Domain, when set, reports whether x is where the random conformance
	// and gradient tests draw for the parameters p (x > 0 for log and sqrt):
	// outside it f is NaN or has a pole, which the golden points check.
	Domain func(x float64, p ActivationParams) bool

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
	// bodies of x (a float) and the parameters under their GLSL names. Grad
	// and Gate may call f itself as act_f(x, <params>). They
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
// Activation.Params stands for its default, so a valid value is never 0,
// unless the parameter is Required: then it has no default, 0 is a value
// like any other, ParseActivation wants it, and String always writes it.
type ParamDef struct {
	// Name is the parameter's name in help, errors, checkpoints and GLSL
	// ("slope", "alpha", "beta", "threshold").
	Name string
	// Default is the value when none is given (unused when Required).
	Default float64
	// Required makes the parameter one without a default (pow's exponent,
	// clamp's bounds), where 0 is a valid value.
	Required bool
	// Min and Max bound the valid values (inclusive; ±Inf for none).
	// NaN and ±Inf are never valid, nor is 0 unless Required.
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
	return (v != 0 || p.Required) && !math.IsNaN(v) && !math.IsInf(v, 0) && v >= p.Min && v <= p.Max
}

// Range describes the valid values: "a finite number ≠ 0", "> 0", ….
func (p ParamDef) Range() string {
	switch {
	case p.Required && math.IsInf(p.Min, -1) && math.IsInf(p.Max, 1):
		return "a finite number"
	case p.Required:
		return fmt.Sprintf("in [%g, %g]", p.Min, p.Max)
	case p.Min == 0 && math.IsInf(p.Max, 1):
		return "> 0"
	case math.IsInf(p.Min, -1) && math.IsInf(p.Max, 1):
		return "a finite number ≠ 0"
	}
	return fmt.Sprintf("in [%g, %g], ≠ 0", p.Min, p.Max)
}

// ActivationKinds lists every hidden-layer activation, in table order: the
// kinds that are not primitives.
func ActivationKinds() []ActivationKind { return kinds(false) }

// PrimitiveKinds lists the elementwise primitives (Exp, Log, …, Clamp), in
// table order.
func PrimitiveKinds() []ActivationKind { return kinds(true) }

// UnaryKinds lists every row of the table, activations and primitives, in
// table order: what the kernels are compiled for.
func UnaryKinds() []ActivationKind {
	ks := make([]ActivationKind, len(activationTable))
	for i := range ks {
		ks[i] = ActivationKind(i)
	}
	return ks
}

func kinds(primitive bool) []ActivationKind {
	var ks []ActivationKind
	for _, k := range UnaryKinds() {
		if k.Def().Primitive == primitive {
			ks = append(ks, k)
		}
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

// Activation is an activation function (or a primitive) with its
// parameters, in the order its row declares them (LeakyReLU's slope, ELU's
// α, Softplus's β and threshold, Pow's exponent, Clamp's lo and hi). A zero
// parameter means the default, except for a Required one, where it is 0.
type Activation struct {
	Kind   ActivationKind
	Params [MaxActivationParams]float32
}

// Param returns parameter i as the kernels use it: Params[i], or the
// default when it is zero (0 for a parameter the kind does not have).
func (a Activation) Param(i int) float32 {
	if a.Params[i] != 0 || !a.Kind.Valid() || i >= len(a.Kind.Def().Params) || a.Kind.Def().Params[i].Required {
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

// String formats the activation as ParseActivation (or, for a primitive,
// ParseUnary) reads it: "relu", "leakyrelu:0.2", "softplus:1:10" (the
// parameters up to the last one that is not the default, and every
// required one: "pow:0", "clamp:0:6").
func (a Activation) String() string {
	s := a.Kind.String()
	last := -1
	for i := range a.Params {
		if a.Params[i] != 0 || (a.Kind.Valid() && i < len(a.Kind.Def().Params) && a.Kind.Def().Params[i].Required) {
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

// ActivationNames lists every hidden-layer activation's name, in table
// order (no primitive).
func ActivationNames() []string { return names(ActivationKinds()) }

// PrimitiveNames lists the primitives' names, in table order.
func PrimitiveNames() []string { return names(PrimitiveKinds()) }

func names(ks []ActivationKind) []string {
	ns := make([]string, len(ks))
	for i, k := range ks {
		ns[i] = k.String()
	}
	return ns
}

// ParseActivation reads an activation's name, optionally followed by its
// parameters, each after a ":" ("leakyrelu:0.2", "softplus:2:20"). Names
// are case-insensitive, and "_" and "-" in them are ignored; aliases
// ("swish", "linear") are accepted too. A primitive ("exp", "pow:2") is
// not an activation: an error.
func ParseActivation(s string) (Activation, error) {
	fields := strings.Split(s, ":")
	kind, ok := LookupActivation(fields[0])
	if ok && kind.Def().Primitive {
		return Activation{}, fmt.Errorf("%q is an elementwise primitive, not an activation (valid: %s)", excerpt(fields[0]), strings.Join(ActivationNames(), ", "))
	}
	if !ok {
		return Activation{}, fmt.Errorf("unknown activation %q (valid: %s)", excerpt(s), strings.Join(ActivationNames(), ", "))
	}
	return parseParams(s, kind, fields[1:])
}

// ParseUnary reads any row of the table as String writes it, an
// activation or a primitive ("exp", "pow:0.5", "clamp:-1:1"), with
// ParseActivation's rules; required parameters must be given.
func ParseUnary(s string) (Activation, error) {
	fields := strings.Split(s, ":")
	kind, ok := LookupActivation(fields[0])
	if !ok {
		return Activation{}, fmt.Errorf("unknown activation or primitive %q (valid: %s)", excerpt(s),
			strings.Join(append(ActivationNames(), PrimitiveNames()...), ", "))
	}
	return parseParams(s, kind, fields[1:])
}

// parseParams reads kind's parameters from fields, for s's errors.
func parseParams(s string, kind ActivationKind, fields []string) (Activation, error) {
	a, d := Activation{Kind: kind}, kind.Def()
	if len(fields) > len(d.Params) || len(fields) < requiredParams(d) {
		return Activation{}, fmt.Errorf("activation %q: %s", excerpt(s), paramsPhrase(d))
	}
	for i, f := range fields {
		p := d.Params[i]
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Activation{}, fmt.Errorf("activation %q: %s %q is not a number", excerpt(s), p.Name, excerpt(f))
		}
		if !p.valid(v) || (float32(v) == 0 && !p.Required) || math.Abs(v) > math.MaxFloat32 {
			return Activation{}, fmt.Errorf("activation %q: %s %v: want %s", excerpt(s), p.Name, v, p.Range())
		}
		if p.Required || float32(v) != float32(p.Default) { // the default is stored as 0, so each setting has one form
			a.Params[i] = float32(v)
		}
	}
	if d.Check != nil {
		if msg := d.Check(a.Float64()); msg != "" {
			return Activation{}, fmt.Errorf("activation %q: %s", excerpt(s), msg)
		}
	}
	return a, nil
}

// requiredParams is the number of d's required parameters (the first ones).
func requiredParams(d *ActivationDef) int {
	n := 0
	for _, p := range d.Params {
		if p.Required {
			n++
		}
	}
	return n
}

// ActivationHelp describes the activations for command-line help: the
// names, the aliases, and the parameters with their defaults, one line per
// parametrised kind.
func ActivationHelp() string {
	var aliases, params []string
	for _, k := range ActivationKinds() { // the primitives are no -act choice
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
	if n := requiredParams(d); n > 0 {
		return d.Name + " takes " + strings.Join(names, " and ") + fmt.Sprintf(" (%d required)", n)
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
		case v == 0 && (i >= len(d.Params) || !d.Params[i].Required):
		case i >= len(d.Params):
			return fmt.Errorf("%s: %v parameter %d (%v): %s: %w", op, f.Kind, i+1, v, paramsPhrase(d), ErrInvalidArgument)
		case math.IsNaN(float64(v)) || math.IsInf(float64(v), 0):
			return fmt.Errorf("%s: %v parameter %v: want a finite number: %w", op, f.Kind, v, ErrInvalidArgument)
		case !d.Params[i].valid(float64(v)):
			return fmt.Errorf("%s: %v %s %v: want %s: %w", op, f.Kind, d.Params[i].Name, v, d.Params[i].Range(), ErrInvalidArgument)
		}
	}
	if d.Check != nil {
		if msg := d.Check(f.Float64()); msg != "" {
			return fmt.Errorf("%s: %v: %s: %w", op, f, msg, ErrInvalidArgument)
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

// ActivationSettings lists the settings of the hidden-layer activations
// that the tests cover: every kind with its defaults and, for each
// parameter, the kind with that parameter at its Test value.
func ActivationSettings() []Activation { return settings(ActivationKinds()) }

// UnarySettings lists ActivationSettings and the primitives' settings: a
// primitive with required parameters at each of its row's Settings. The
// golden file, the kernels' conformance and the gradient checks cover them.
func UnarySettings() []Activation { return settings(UnaryKinds()) }

func settings(ks []ActivationKind) []Activation {
	var as []Activation
	for _, k := range ks {
		if d := k.Def(); len(d.Settings) > 0 {
			for _, ps := range d.Settings {
				a := Activation{Kind: k}
				for i, v := range ps {
					a.Params[i] = float32(v)
				}
				as = append(as, a)
			}
			continue
		}
		as = append(as, Activation{Kind: k})
		for i, p := range k.Def().Params {
			a := Activation{Kind: k}
			a.Params[i] = float32(p.Test)
			as = append(as, a)
		}
	}
	return as
}
