package main

// Text data: -data=text:PATH or -data=go trains a GPT (-model) on bytes.
// The text becomes a data.Set of its positions (a token a row, the next
// byte its label), so that checkpoints, -resume, the callbacks and the
// run folder work as for classifiers; what differs is here: the model, the
// batches (data.TextBatcher's sequences, through nn.Trainer.Order), the
// validation set (the non-overlapping windows of ctx bytes, data.TextWindowSet),
// -eval and the summary.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"

	"gltrain/nn"
	"gltrain/nn/data"
)

// goCorpus is -data's name of the built-in corpus (data.LoadGoCorpus).
const goCorpus = "go"

// isText reports whether -data names text: go, or text:PATH.
func isText(name string) bool { return name == goCorpus || strings.HasPrefix(name, "text:") }

// textFile is the file or folder of -data=text:PATH ("" for others).
func textFile(name string) string {
	if p, ok := strings.CutPrefix(name, "text:"); ok {
		return p
	}
	return ""
}

// textFlags are the flags that describe a classifier and do not apply to
// text data, which trains a GPT.
var textFlags = []string{"layers", "hidden", "act", "input-shape", "label-col"}

// validateText reads -model and checks it against the data: text data
// trains a GPT (-model=gpt unless given), and -model applies to text only.
func (c *config) validateText(model string) error {
	var err error
	if c.gpt, err = nn.ParseGPTConfig(model); err != nil {
		return usageError{fmt.Errorf("invalid value %s for -model: %v", excerpt(model), err)}
	}
	if c.given["model"] && (c.load != "" || c.resume != "") {
		from := map[bool]string{true: "resume", false: "load"}[c.resume != ""]
		return usageError{fmt.Errorf("-model conflicts with -%s: the checkpoint's model is used; drop -model", from)}
	}
	fromCheckpoint := !c.given["data"] && (c.load != "" || c.resume != "")
	switch {
	case fromCheckpoint:
		return nil // the data, and whether it is text, is the checkpoint's
	case !isText(c.data) && c.given["model"]:
		return usageError{fmt.Errorf("-model=%s trains on text: give -data=text:PATH or -data=go (the data is %s)", excerpt(model), c.data)}
	case !isText(c.data):
		return nil
	case textFile(c.data) == "" && c.data != goCorpus:
		return usageError{errors.New("invalid value \"text:\" for -data: give the file or folder to read, -data=text:PATH")}
	case c.loss != nn.SoftmaxCrossEntropy:
		return usageError{fmt.Errorf("-loss=%v does not apply to text data: a GPT trains on the softmax cross-entropy of the next byte", c.loss)}
	}
	for _, f := range textFlags {
		if c.given[f] {
			return usageError{fmt.Errorf("-%s does not apply to text data, which trains a GPT: give its shape with -model=gpt:layers=N,heads=N,embd=N,ctx=N", f)}
		}
	}
	return nil
}

// textData is the text of a run and how it is cut: the whole text, the
// bytes trained on and validated on, and the model's context.
type textData struct {
	text       data.Text
	train, val []byte
	ctx        int
	eval       bool
}

// loadText reads -data's text and makes the sets of a GPT of context
// src.ctx: training positions and validation windows, or with -eval the
// windows of the whole text. A run that must see the checkpoint's data
// (-resume, or -load without -data) refuses text whose SHA-256 differs
// from the one it recorded, unless -data-changed=ok.
func loadText(src dataSource, ck *checkpoint) (dataset, error) {
	d := dataset{source: src.name, heldName: "validation"}
	var t data.Text
	var err error
	if src.name == goCorpus {
		t, err = data.LoadGoCorpus(goRoot())
	} else {
		t, err = data.LoadText(textFile(src.name), 0)
	}
	if err != nil {
		return d, exitCode{2, err}
	}
	if was := checkpointText(ck); src.sameData && !src.changedOK && was != "" && was != t.SHA256() {
		return d, exitCode{2, fmt.Errorf("%s is not the text %s was trained on: its SHA-256 is %.12s…, the checkpoint's %.12s… (-data-changed=ok goes on with it)",
			src.name, src.checkpoint, t.SHA256(), was)}
	}
	td := &textData{text: t, ctx: src.ctx, eval: src.eval}
	d.text = td
	if src.eval {
		d.heldName, d.evalName = "", src.name
		if data.TextWindows(t.Data, src.ctx) == 0 {
			return d, exitCode{2, fmt.Errorf("%s: %d bytes hold no window of ctx %d tokens (%d bytes, the targets shifted by one)", src.name, len(t.Data), src.ctx, src.ctx+1)}
		}
		td.train = t.Data
		d.train = data.TextWindowSet(src.name, t.Data, src.ctx)
		return d, nil
	}
	if td.train, td.val, err = t.Split(src.val); err != nil {
		return d, exitCode{2, err}
	}
	switch {
	case len(td.train) < src.ctx+1:
		return d, exitCode{2, fmt.Errorf("%s: the training text, %d bytes, is shorter than a sequence: ctx %d needs %d bytes (lower ctx in -model, or -val)", src.name, len(td.train), src.ctx, src.ctx+1)}
	case src.val > 0 && data.TextWindows(td.val, src.ctx) == 0:
		return d, exitCode{2, fmt.Errorf("%s: the validation text, %d bytes (-val=%g), holds no window of ctx %d tokens (%d bytes): raise -val, or -val=0 for none", src.name, len(td.val), src.val, src.ctx, src.ctx+1)}
	}
	d.train = data.TextSet(src.name, td.train)
	d.held = data.TextWindowSet(src.name+" (validation)", td.val, src.ctx)
	return d, nil
}

// goRoot is the Go distribution whose source is the built-in corpus:
// $GOROOT, else `go env GOROOT`, else the one this program was built with.
func goRoot() string {
	if r := os.Getenv("GOROOT"); r != "" {
		return r
	}
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if r := strings.TrimSpace(string(out)); r != "" {
			return r
		}
	}
	return runtime.GOROOT()
}

// describe is the "data" line of text: its files, bytes and SHA-256, and
// how it is cut.
func (t *textData) describe(source string) string {
	id := fmt.Sprintf("%s: %d %s, %d bytes, sha256 %s", source, len(t.text.Files), plural(len(t.text.Files), "file", "files"), len(t.text.Data), t.text.SHA256())
	if t.eval {
		return id + fmt.Sprintf("; %d windows of %d bytes evaluated", data.TextWindows(t.train, t.ctx), t.ctx)
	}
	return id + fmt.Sprintf("; %d bytes to train on, %d to validate (%d windows of %d)", len(t.train), len(t.val), data.TextWindows(t.val, t.ctx), t.ctx)
}

// Meta keys of a text run's checkpoint: what the text was.
const (
	metaTextFiles  = "text-files"
	metaTextBytes  = "text-bytes"
	metaTextSHA256 = "text-sha256"
)

// record writes the text's identity into a checkpoint's Meta.
// "data" becomes text:PATH with PATH absolute, so that -resume and -load
// find it from another folder.
func (t *textData) record(meta map[string]string) {
	if p := textFile(meta["data"]); p != "" {
		meta["data"] = "text:" + recordablePath(p)
	}
	meta[metaTextFiles] = strconv.Itoa(len(t.text.Files))
	meta[metaTextBytes] = strconv.Itoa(len(t.text.Data))
	meta[metaTextSHA256] = t.text.SHA256()
}

// checkpointText is the SHA-256 of the text ck was trained on ("" when
// it records none).
func checkpointText(ck *checkpoint) string {
	if ck == nil {
		return ""
	}
	return ck.Hyper[metaTextSHA256]
}

// textSpec is the GPT a run on text trains: the checkpoint's, which must
// be a GPT, or -model's.
func textSpec(c config, ck *checkpoint) (nn.Spec, error) {
	if ck != nil {
		if ck.Spec.GPT == nil {
			return ck.Spec, exitCode{2, fmt.Errorf("%s holds %v, not a GPT: text data (%s) needs a GPT", checkpointPath(c), ck.Spec, c.data)}
		}
		return ck.Spec, nil
	}
	g := c.gpt
	return nn.Spec{Net: "gpt", GPT: &g, Inputs: 1, Outputs: g.Vocab}, nil
}

// textOrder makes tr train on sequences: -batch sequences of ctx bytes a
// step drawn by a data.TextBatcher of -seed, an epoch a pass over the
// training text in tokens, validated in batches of whole windows.
func (t *textData) order(tr *nn.Trainer, batch int, seed uint64) error {
	tb, err := data.NewTextBatcher(t.train, t.ctx, batch, seed)
	if err != nil {
		return exitCode{2, err}
	}
	tr.Order, tr.EvalBatch = tb, max(1, batch)*t.ctx
	tr.LogEvery = max(1, min(50, tb.StepsPerEpoch()/10))
	return nil
}

// batchRows is the rows of a training step: -batch, or for text -batch
// sequences of ctx tokens.
func (c config) batchRows() int {
	if isText(c.data) {
		return c.batch * c.gpt.Ctx
	}
	return c.batch
}

// textScores is scores on text: the last epoch's training and held-out
// losses.
func textScores(d dataset, h *nn.History) string {
	n := len(h.Epochs)
	if n == 0 {
		return "no epoch ran"
	}
	last := h.Epochs[n-1]
	line := fmt.Sprintf("train loss %.4f nats/byte", last.Loss)
	if !math.IsNaN(last.ValLoss) {
		line += fmt.Sprintf(", %s loss %.4f (%.3f bits/byte)", d.heldName, last.ValLoss, last.ValLoss/math.Ln2)
	}
	return line
}

// textReport is -eval's report on text, and its -json object.
type textReport struct {
	Set         string  `json:"set"`
	Windows     int     `json:"windows"`
	Ctx         int     `json:"ctx"`
	Tokens      int     `json:"tokens"`
	Loss        float64 `json:"loss"`
	BitsPerByte float64 `json:"bits_per_byte"`
	SHA256      string  `json:"sha256"`
	Backend     string  `json:"backend"`
}

// evaluateText is -eval on text: the mean loss, in nats per byte, of the
// next byte over the non-overlapping windows of ctx bytes from the text's
// start (targets shifted by one; the last partial window dropped).
func evaluateText(m *nn.Model, d dataset, u *ui) error {
	loss, _, err := accuracyOn(m, nn.SoftmaxCrossEntropy, d.train)
	if err != nil {
		return err
	}
	if math.IsNaN(loss) {
		return fmt.Errorf("the loss on %s is NaN", d.evalName)
	}
	t := d.text
	r := textReport{Set: d.evalName, Windows: data.TextWindows(t.train, t.ctx), Ctx: t.ctx, Tokens: d.train.Len(),
		Loss: loss, BitsPerByte: loss / math.Ln2, SHA256: t.text.SHA256(), Backend: u.backend}
	fmt.Fprintf(u.out, "%s: loss %.6f nats/byte (%.4f bits/byte), the mean over %d windows of %d bytes (%d tokens)\n",
		r.Set, r.Loss, r.BitsPerByte, r.Windows, r.Ctx, r.Tokens)
	return u.writeJSON(r)
}

// gptDecay is the weight-decay mask of a GPT, as nanoGPT's AdamW takes it:
// its Matrices (the Linear weights), not the biases, LayerNorms or
// embeddings; every parameter when -wd-norms=true is given. Nil for other
// models.
func gptDecay(m *nn.Model, c config) []bool {
	gp, ok := m.Net.(*nn.GPT)
	if !ok || (c.given["wd-norms"] && c.wdNorms) {
		return nil
	}
	matrix := map[any]bool{}
	for _, p := range gp.Matrices() {
		matrix[p] = true
	}
	ps := m.Parameters()
	decay := make([]bool, len(ps))
	for i, p := range ps {
		decay[i] = matrix[p]
	}
	return decay
}
