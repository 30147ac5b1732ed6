package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"gltrain/nn/data"
)

// parseHeader parses a checkpoint's __metadata__ strictly and validates
// it; errors name the field (its key) and quote at most a short excerpt.
func parseHeader(md map[string]string) (header, error) {
	var h header
	if md["format"] != checkpointFormat {
		return h, fmt.Errorf("__metadata__ \"format\" is %s, want %q", excerpt(md["format"]), checkpointFormat)
	}
	field := func(key string, err error) error { return fmt.Errorf("__metadata__ %q: %w", key, shorten(err)) }
	strict := func(key string, v any) error {
		if len(md[key]) > maxFieldBytes { // JSON decodes to ~15× its size
			return field(key, fmt.Errorf("%d bytes, more than the %d a field may have", len(md[key]), maxFieldBytes))
		}
		// A layer is a JSON object, and decodes to ~140 bytes from as few as
		// 3 ("{},"): more objects than a model may hold are refused first.
		if n := strings.Count(md[key], "{"); key == "model" && n > maxSpecLayers+maxCustomBytes+2 {
			return field(key, fmt.Errorf("%d JSON objects, more than the %d layers a model may have", n, maxSpecLayers))
		}
		dec := json.NewDecoder(strings.NewReader(md[key]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return field(key, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return field(key, errors.New("more after the JSON value"))
		}
		if k, ok := duplicateKey(md[key]); ok {
			return field(key, fmt.Errorf("key %s appears twice in one object", excerpt(k)))
		}
		return nil
	}
	var err error
	if h.Loss, err = ParseLoss(md["loss"]); err != nil {
		return h, field("loss", err)
	}
	switch v, ok := md["version"]; {
	case !ok && md["arch"] != "":
		h.version = 1
		if err := h.parseVersion1(md); err != nil {
			return h, err
		}
	case v == checkpointVersion:
		h.version = 2
		if err := strict("model", &h.Model); err != nil {
			return h, err
		}
		for _, f := range []struct {
			key string
			v   any
		}{{"meta", &h.Meta}, {"train", &h.Train}, {"optimizer", &h.Optimizer}, {"cross_entropy", &h.CrossEntropy}} {
			if _, ok := md[f.key]; ok {
				if err := strict(f.key, f.v); err != nil {
					return h, err
				}
			}
		}
	default:
		return h, fmt.Errorf("__metadata__ \"version\" is %s, want %q (a newer gltrain wrote it?)", excerpt(v), checkpointVersion)
	}
	if s, ok := md["class_names"]; ok {
		if len(s) > maxFieldBytes {
			return h, field("class_names", fmt.Errorf("%d bytes, more than the %d a field may have", len(s), maxFieldBytes))
		}
		if err := json.Unmarshal([]byte(s), &h.ClassNames); err != nil {
			return h, field("class_names", err)
		}
		if h.ClassNames == nil {
			return h, field("class_names", errors.New("null, want a list of names"))
		}
	}
	if _, ok := md["standardize"]; ok {
		var st struct{ Mean, Std []float64 }
		if err := strict("standardize", &st); err != nil {
			return h, err
		}
		h.Std = &data.Standardizer{Mean: st.Mean, Std: st.Std}
	}
	return h, h.validate()
}

// duplicateKey returns a key that appears twice in one JSON object of s
// (which decoded already), where encoding/json would keep the last silently.
func duplicateKey(s string) (string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	type level struct {
		keys   map[string]bool // nil in an array
		expect bool            // an object's next token is a key
	}
	var stack []level
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		top := len(stack) - 1
		if top >= 0 && stack[top].keys != nil && stack[top].expect {
			if k, ok := tok.(string); ok {
				if stack[top].keys[k] {
					return k, true
				}
				stack[top].keys[k] = true
				stack[top].expect = false
				continue
			}
		}
		if top >= 0 && stack[top].keys != nil {
			stack[top].expect = true // after this value, a key or '}'
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, level{keys: map[string]bool{}, expect: true})
		case json.Delim('['):
			stack = append(stack, level{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:top]
		}
	}
}

// parseVersion1 reads the fields of a version 1 checkpoint (the train
// command's, before the model API): "arch", "data", "features",
// "classes", "epochs".
func (h *header) parseVersion1(md map[string]string) error {
	var a Arch
	if len(md["arch"]) > maxFieldBytes {
		return fmt.Errorf("__metadata__ \"arch\": %d bytes, more than the %d a field may have", len(md["arch"]), maxFieldBytes)
	}
	if err := json.Unmarshal([]byte(md["arch"]), &a); err != nil {
		return fmt.Errorf("__metadata__ \"arch\": %w", shorten(err))
	}
	if len(a.Hidden) >= maxSpecLayers/2 { // Spec would make two layers of each
		return fmt.Errorf("__metadata__ \"arch\": %d hidden layers, more than a model may have", len(a.Hidden))
	}
	h.Model = a.Spec()
	ints := map[string]int{}
	for _, key := range []string{"features", "classes", "epochs"} {
		n, err := strconv.Atoi(md[key])
		if err != nil {
			return fmt.Errorf("__metadata__ %q: %s is not an integer", key, excerpt(md[key]))
		}
		ints[key] = n
	}
	switch {
	case ints["features"] != a.Inputs:
		return fmt.Errorf("__metadata__ \"features\": %d, but the arch takes %d inputs", ints["features"], a.Inputs)
	case ints["classes"] != a.Outputs:
		return fmt.Errorf("__metadata__ \"classes\": %d, but the arch has %d outputs", ints["classes"], a.Outputs)
	case ints["epochs"] < 0:
		return fmt.Errorf("__metadata__ \"epochs\": %d, want 0 or more", ints["epochs"])
	}
	h.Meta = map[string]string{"data": md["data"]}
	h.Train = &trainJSON{Epochs: ints["epochs"]}
	return nil
}

// saveMetadata formats the header as __metadata__ for Save, checked as
// Load will check it: by validate before formatting (which would hide
// invalid UTF-8, replacing it), then by parseHeader on the result, so that
// what saves also loads.
func (h header) saveMetadata() (map[string]string, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	md, err := h.metadata()
	if err != nil {
		return nil, err
	}
	if _, err := parseHeader(md); err != nil {
		return nil, fmt.Errorf("Load would refuse it: %w", err)
	}
	return md, nil
}

// maxFieldBytes bounds a JSON field of a checkpoint's metadata before it is
// decoded: 10,000 layers take about 1 MB.
const maxFieldBytes = 4 << 20

// maxWidth bounds a checkpoint's input and output widths.
const maxWidth = 1 << 28

// maxCustomBytes bounds the name of a custom layer's type in a checkpoint.
const maxCustomBytes = 256

// validate checks the values of the fields: Save calls it too, so that
// what saves also loads.
func (h header) validate() error {
	field := func(key, format string, args ...any) error {
		return fmt.Errorf("__metadata__ %q: %s", key, fmt.Sprintf(format, args...))
	}
	m := h.Model
	switch {
	case h.Loss < 0 || int(h.Loss) >= len(lossNames):
		return field("loss", "%v, want one of %s", h.Loss, strings.Join(lossNames, ", "))
	case m.Inputs < 1 || m.Inputs > maxWidth:
		return field("model", "%d inputs, want 1 to %d", m.Inputs, maxWidth)
	case m.Outputs < 1 || m.Outputs > maxWidth:
		return field("model", "%d outputs, want 1 to %d", m.Outputs, maxWidth)
	case m.Custom == "" && len(m.Layers) == 0 && m.Net != "gpt":
		return field("model", "no layers")
	case (m.Net == "gpt") != (m.GPT != nil):
		return field("model", "net %s with gpt config %v: a gpt config goes with net gpt only", excerpt(m.Net), m.GPT != nil)
	case len(m.Custom) > maxCustomBytes:
		return field("model", "custom type %s is too long", excerpt(m.Custom))
	case m.Image != nil && !m.Image.holds(m.Inputs):
		return field("model", "image %v for %d inputs", *m.Image, m.Inputs)
	case h.Optimizer != nil && h.Train == nil:
		return field("optimizer", "without \"train\", the epochs and steps its state belongs to")
	case h.ClassNames != nil && len(h.ClassNames) != m.Outputs:
		return field("class_names", "%d names for %d outputs", len(h.ClassNames), m.Outputs)
	case h.Train != nil && (h.Train.Epochs < 0 || h.Train.Steps < 0):
		return field("train", "%d epochs and %d steps, want 0 or more", h.Train.Epochs, h.Train.Steps)
	case h.Train != nil && (h.Train.Epochs > maxSteps || h.Train.Steps > maxSteps):
		return field("train", "%d epochs and %d steps, want at most %d", h.Train.Epochs, h.Train.Steps, maxSteps)
	}
	if err := h.CrossEntropy.check("checkpoint", h.Loss, m.Outputs); err != nil {
		return field("cross_entropy", "%v", err)
	}
	for k, v := range h.Meta {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return field("meta", "%s: %s is not valid UTF-8", excerpt(k), excerpt(v))
		}
	}
	seen := make(map[string]bool, len(h.ClassNames))
	for i, n := range h.ClassNames {
		switch {
		case n == "":
			return field("class_names", "name %d is empty", i)
		case data.CheckClassName(n) != nil:
			return field("class_names", "name %d: %v", i, data.CheckClassName(n))
		case seen[n]:
			return field("class_names", "%s appears twice", excerpt(n))
		}
		seen[n] = true
	}
	if h.Std == nil {
		return nil
	}
	if err := checkStandardizer(h.Std, m.Inputs); err != nil {
		return field("standardize", "%v", err)
	}
	return nil
}

// shorten cuts the message of err, which may quote a field of a checkpoint,
// to 120 bytes.
func shorten(err error) error {
	if msg := err.Error(); len(msg) > 120 {
		return errors.New(strings.ToValidUTF8(msg[:120], "") + "…")
	}
	return err
}
