package nn

import (
	"reflect"
	"strconv"
	"unicode"
	"unicode/utf8"

	"gltrain/autograd"
)

var (
	moduleType = reflect.TypeFor[Module]()
	paramType  = reflect.TypeFor[*autograd.Value]()
)

// nameOwn names the parameters of mod, a module of the caller's own at the
// place prefix ("2." in a Sequential, "" for the network itself), as
// PyTorch names those of a module with the same attributes: a parameter in
// an exported field Fc1 is prefix+"fc1" (the field's name with its first
// letter lowered), one of a module in it prefix+"fc1."+its name in that
// module ("weight" for a Linear, "0.weight" for a Sequential's first
// layer), and one of a slice or array Blocks prefix+"blocks.0."+… (a
// torch.nn.ModuleList or ParameterList). A parameter it cannot reach so
// (an unexported field) keeps its name after prefix. Only mod's own
// Parameters are renamed, each once, by the first field that reaches it.
func nameOwn(mod Module, prefix string) error {
	n := &namer{todo: map[*autograd.Value]bool{}, seen: map[uintptr]bool{}}
	for _, p := range mod.Parameters() {
		n.todo[p] = true
	}
	if err := n.fields(reflect.ValueOf(mod), prefix, 0); err != nil {
		return err
	}
	for _, p := range mod.Parameters() {
		if n.todo[p] && prefix != "" {
			if err := n.set(p, prefix+p.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

type namer struct {
	todo map[*autograd.Value]bool // mod's parameters not yet named
	seen map[uintptr]bool         // structs visited, against cycles
}

func (n *namer) set(p *autograd.Value, name string) error {
	if !n.todo[p] {
		return nil
	}
	delete(n.todo, p)
	return p.SetName(name)
}

// module names the parameters of m, a module reached at prefix.
func (n *namer) module(m Module, prefix string, depth int) error {
	switch l := m.(type) {
	case *Sequential:
		for i, layer := range l.Layers {
			if !isNil(layer) {
				if err := n.module(layer, prefix+strconv.Itoa(i)+".", depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	case *Residual:
		if isNil(l.F) {
			return nil
		}
		return n.module(l.F, prefix+"f.", depth+1)
	case *Graph:
		for _, node := range l.Nodes {
			if !isNil(node.Layer) {
				if err := n.module(node.Layer, prefix+node.Name+".", depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	case *CausalSelfAttention:
		return l.nameParams(n, prefix, depth+1)
	}
	t := reflect.TypeOf(m)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == moduleType.PkgPath() { // a built-in layer: its parameters' own names, "weight", "bias"
		for _, p := range m.Parameters() {
			if p != nil {
				if err := n.set(p, prefix+baseName(p.Name())); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return n.fields(reflect.ValueOf(m), prefix, depth+1)
}

// fields names the parameters in the exported fields of v, a module of the
// caller's own (a struct or a pointer to one).
func (n *namer) fields(v reflect.Value, prefix string, depth int) error {
	if depth > 32 {
		return nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() || n.seen[v.Pointer()] {
			return nil
		}
		n.seen[v.Pointer()] = true
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		if err := n.value(v.Field(i), prefix+lowerFirst(f.Name), depth); err != nil {
			return err
		}
	}
	return nil
}

// value names the parameters held in v, a field's value, at name.
func (n *namer) value(v reflect.Value, name string, depth int) error {
	switch {
	case v.Type() == paramType:
		if !v.IsNil() {
			return n.set(v.Interface().(*autograd.Value), name)
		}
	case v.Type().Implements(moduleType):
		if m, ok := v.Interface().(Module); ok && !isNil(m) {
			return n.module(m, name+".", depth+1)
		}
	case v.Kind() == reflect.Slice || v.Kind() == reflect.Array:
		for j := 0; j < v.Len() && j < maxSpecLayers; j++ {
			if err := n.value(v.Index(j), name+"."+strconv.Itoa(j), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// baseName is a built-in layer's parameter name after its last dot:
// "weight" of "fc.weight".
func baseName(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return s[i+1:]
		}
	}
	return s
}

// lowerFirst is s with its first letter lowered: "fc1" of "Fc1".
func lowerFirst(s string) string {
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[size:]
}
