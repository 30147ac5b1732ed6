package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gltrain/backend"
	"gltrain/backend/cpu"
	"gltrain/backend/gl"
	"gltrain/live"
	"gltrain/nn"
	"gltrain/nn/data"
)

// config is the parsed command line.
type config struct {
	csvFiles   // -skip-rows, -val-data, -test-data (csvfiles.go)
	backend    string
	data       string
	dataDir    string
	labelCol   string // -label-col as given, items trimmed: "0" (the last column), "14", "-1", "12,13", "MEDV"
	hidden     []int
	layers     []layerItem // -layers, or -hidden with -act
	layersText string      // -layers as given, or made from -hidden and -act
	inputShape *nn.Image   // -input-shape; nil: none given
	resume     string
	finetune   bool            // -finetune, with -resume (finetune.go)
	finetunes  []finetuneEntry // the run's fine-tuning history, the latest last
	saveBest   bool
	patience   int
	predict    string
	out        string
	act        backend.Activation
	loss       nn.Loss
	opt        string
	lr, wd     float64
	wdNorms    bool    // -wd-norms: decay the biases and norms too; false: only the ≥2-D parameters
	momentum   float64 // -momentum: of -opt=momentum and nesterov
	warmup     int     // -warmup: steps of linear warm-up; 0: none
	clip       float64 // -clip: the gradients' largest global 2-norm; 0: no clipping
	plateau    string  // -plateau: PATIENCE[:FACTOR]; "": none
	schedule   string
	epochs     int
	batch      int
	seed       uint64
	val        float64
	save, load string
	export     string // -export: write the -load model as ONNX and stop (export.go)
	eval       bool
	plot       string
	json       bool
	quiet      bool
	summary    bool // -summary: print the model's table and stop
	threads    int
	maxClasses int
	maxMemory  float64 // bytes; 0: what the host or device has available
	// regression: the run reads real-valued targets (regressionTask, or
	// the checkpoint's task).
	regression bool
	// given holds the flags set on the command line, so that a data set's
	// own defaults (preset) fill only the others.
	given map[string]bool

	// dataChanged is -data-changed: "ok" runs on data that is not the
	// checkpoint's (dataid.go); "refuse" refuses it.
	dataChanged string

	gen generation // -generate and its flags (generate.go)

	// -label-smoothing and -class-weights (crossentropy.go): ε, and "",
	// "balanced" or the weights, comma-separated.
	labelSmoothing float64
	classWeights   string

	// gpt is -model's GPT for text data (the checkpoint's once read).
	gpt nn.GPTConfig

	micro int    // -micro-batches: of a data-parallel step (mpi.go); 0: one a rank
	world *world // the MPI job's (mpi.go); nil for one process

	hub   *live.Hub // the live view's (live.go); nil without -serve and -view
	serve string    // -serve: the live view's web page's address (live.go)
	view  bool      // -view: the live view's window (view.go)
}

// preset is a data set's defaults for the flags left unset: the 2-D sets
// train a small net quickly with small batches; MNIST a 784-256-10 net
// with Adam, as in the README.
type preset struct {
	hidden        []int
	epochs, batch int
	lr            float64
	val           float64 // the fraction of the training data held out
}

func presetFor(dataName string) preset {
	switch {
	case isIDX(dataName): // Fashion-MNIST takes MNIST's
		// Keras's habit: 5,000 of the 60,000 training images validate; the
		// test set is kept for one evaluation at the end.
		return preset{hidden: []int{256}, epochs: 5, batch: 128, lr: 1e-3, val: mnistVal}
	case isCSV(dataName):
		return preset{hidden: []int{64}, epochs: 30, batch: 32, lr: 0.01, val: defaultVal}
	case isText(dataName): // 16 sequences a step, nanoGPT's character-level rate
		return preset{epochs: 1, batch: 16, lr: 1e-3, val: textVal}
	}
	return preset{hidden: []int{100}, epochs: 30, batch: 16, lr: 0.01, val: defaultVal}
}

// The -val defaults: 0.2 in general, 1/12 (5,000 of 60,000 images) for MNIST.
const (
	defaultVal = 0.2
	mnistVal   = 1.0 / 12
	textVal    = 0.1
)

// valFraction is the fraction of the training data held out: -val when
// given, else the data set's default. It is read when the data is loaded,
// after a checkpoint may have named the data set.
func (c config) valFraction() float64 {
	if c.given["val"] || c.resume != "" { // a resumed run keeps its own (adoptRun)
		return c.val
	}
	return presetFor(c.data).val
}

// The parts of the configuration that the other files take: each gets what
// it reads, not the whole command line.

// applyPreset sets the flags the user left unset that a data set's preset
// gives (-epochs, -batch, -lr, -val; -hidden is set where it is parsed).
func (c *config) applyPreset(p preset) {
	if !c.given["epochs"] {
		c.epochs = p.epochs
	}
	if !c.given["batch"] {
		c.batch = p.batch
	}
	if !c.given["lr"] {
		c.lr = p.lr
	}
	if !c.given["val"] {
		c.val = p.val
	}
}

// dataSource is what loadData reads.
func (c config) dataSource() dataSource {
	ck := checkpointPath(c)
	return dataSource{name: c.data, dir: c.dataDir, labelCol: c.labelCol, regression: c.regression, loss: c.loss, val: c.valFraction(), seed: c.seed, eval: c.eval, ctx: c.gpt.Ctx,
		checkpoint: ck, sameData: c.resume != "" || (ck != "" && !c.given["data"]), fromCheckpoint: ck != "" && !c.given["data"],
		changedOK: c.dataChanged == "ok", maxMemory: c.maxMemory, csvFiles: c.csvFiles}
}

// memoryNeed is what checkMemory reads.
func (c config) memoryNeed() memoryNeed {
	return memoryNeed{batch: c.batchRows(), opt: c.opt, eval: c.eval, loaded: c.load != "", max: c.maxMemory}
}

// outputs is what prepareOutputs reads.
func (c config) outputs() outputs {
	return outputs{none: c.eval || c.predict != "", save: c.save, out: c.out, plot: c.plot, plotGiven: c.given["plot"], quiet: c.quiet, data: c.data}
}

// uiOptions is what newUI reads.
func (c config) uiOptions() uiOptions {
	return uiOptions{quiet: c.quiet, json: c.json, predictToStdout: c.predict != "" && c.out == ""}
}

// isIDX reports whether the data set is read from MNIST's IDX files:
// mnist or fashion-mnist, which share its presets and image shape.
func isIDX(name string) bool { return name == "mnist" || name == "fashion-mnist" }

// isCSV reports whether name is a CSV file by its name: .csv, or .csv.gz,
// read through gzip as a stream.
func isCSV(name string) bool {
	name = strings.ToLower(name)
	return strings.HasSuffix(name, ".csv") || strings.HasSuffix(name, ".csv.gz")
}

// usageError is a bad command line: exit status 2.
type usageError struct{ error }

// valid names for the messages of bad values.
var (
	backendNames  = []string{"auto", "gl", "cpu"}
	dataNames     = append(data.Generators(), "mnist", "fashion-mnist")
	activationSet = backend.ActivationNames()
)

// activationUsage is -act's help: every name, the aliases, and the
// parameters with their defaults, from the activation table.
func activationUsage() string {
	return "activation of the hidden layers: " + backend.ActivationHelp() + "\n" +
		"gelu is the exact GELU (erf, PyTorch's default), gelu-tanh its tanh approximation"
}

func badValue(flagName, value string, valid []string, extra string) error {
	msg := fmt.Sprintf("invalid value %q for -%s: valid values are %s", value, flagName, strings.Join(valid, ", "))
	if extra != "" {
		msg += extra
	}
	return usageError{errors.New(msg)}
}

// parseFlags reads args. It returns flag.ErrHelp for -h (after printing the
// usage to stdout) and a usageError for anything wrong.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	c := config{given: map[string]bool{}}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by run, in one line
	fs.StringVar(&c.backend, "backend", "auto", "where to train: auto (GL on a GPU, else the CPU; a software renderer such as llvmpipe is passed over), gl, or cpu;\n"+
		"gl:PATH forces a context path (egl-device, egl-surfaceless, egl-default, glfw), gl:device=N the N-th EGL device (from 0);\n"+
		"cpu:blas=gonum skips OpenBLAS")
	fs.IntVar(&c.threads, "threads", 0, "CPU threads (Go's GOMAXPROCS and the BLAS library's), at most "+strconv.Itoa(maxThreads)+"; 0: every core")
	fs.StringVar(&c.data, "data", "spiral", "data set: spiral, circles, xor, moons (2-D, generated), mnist, fashion-mnist\n"+
		"(Debian's dataset-fashion-mnist package, "+data.FashionMNISTDir+"), PATH.csv, or text to train a GPT on (-model): text:PATH\n"+
		"(a file, or a folder's files in sorted order, as bytes) or go (the Go distribution's source of a fixed list of packages)")
	model := fs.String("model", "gpt", "with text data, the GPT: gpt[:layers=N,heads=N,embd=N,ctx=N], the rest at gpt:layers=4,heads=4,embd=128,ctx=128;\n"+
		"-batch counts sequences of ctx bytes and an epoch is one pass over the training text (text: -epochs=1, -batch=16, -lr=0.001, -val=0.1)")
	fs.StringVar(&c.dataDir, "data-dir", "", "where the MNIST files are, or are downloaded to (default: the user cache dir, gltrain/mnist);\n"+
		"for fashion-mnist, where its files are (default: "+data.FashionMNISTDir+")")
	fs.StringVar(&c.dataChanged, "data-changed", "refuse", "what -resume does, and -load or -eval without -data, when the CSV file is not the one the checkpoint\n"+
		"was trained on (its size and SHA-256 differ: rows added, values or class names changed, another file; on -resume, -val-data's and -test-data's too): refuse, or ok to go on with it")
	fs.StringVar(&c.labelCol, "label-col", "0", "CSV: the label's column, counting from 1 (0 or -1: the last column, -k the k-th from the end), or its\n"+
		"name in the header; with a regression -loss, one or more target columns, comma-separated (-label-col=12,13 or MEDV)")
	hidden := fs.String("hidden", "100", "hidden layer sizes, comma-separated, each followed by -act; empty for a linear classifier (mnist: 256, CSV: 64)")
	layers := fs.String("layers", "", "the hidden layers, comma-separated (replaces -hidden): N is a Linear of N units followed by -act,\n"+
		"N:ACT a Linear with its own activation, ACT an activation alone, dropout:P a Dropout layer; for images\n"+
		"conv:C:K[:S[:P]] (C filters of K×K, stride S, padding P), maxpool:K[:S], avgpool:K[:S], gap (global average\n"+
		"pooling, to C features) and flatten (see -input-shape); layernorm on flat features; batchnorm (or bn) over the\n"+
		"batch, BatchNorm1d after flat features and BatchNorm2d after images; res(ITEMS) a residual block\n"+
		"x + f(x) of the items inside, where a bare N is a Linear without activation: res(64:relu,64).\n"+
		"The output Linear to the classes is appended. Examples: -layers=64:tanh,32:relu,dropout:0.2\n"+
		"-layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu\n"+
		"-layers=conv:32:3,bn,relu,maxpool:2,conv:64:3,bn,relu,maxpool:2,flatten,128:relu")
	act := fs.String("act", "relu", activationUsage())
	loss := fs.String("loss", "softmax", "loss: softmax (cross-entropy), svm (multiclass hinge), mse (against one-hot targets; on a CSV file, against\n"+
		"real-valued targets), l1, huber (regression on a CSV file's real-valued -label-col columns), bce (multi-label 0/1 targets)")
	fs.Float64Var(&c.labelSmoothing, "label-smoothing", 0, "with -loss=softmax: label smoothing ε in [0, 1), PyTorch's CrossEntropyLoss(label_smoothing=ε):\n"+
		"the target is 1−ε+ε/C on the label and ε/C on the other classes")
	fs.StringVar(&c.classWeights, "class-weights", "", "with -loss=softmax: a weight per class, PyTorch's CrossEntropyLoss(weight=w): balanced (n/(C·count), as\n"+
		"sklearn's compute_class_weight; every class needs a training sample), or w0,w1,… one per class, each > 0")
	fs.StringVar(&c.opt, "opt", "adam", "optimiser: "+strings.Join(nn.OptimizerNames, ", "))
	fs.Float64Var(&c.lr, "lr", 0.01, "learning rate (mnist: 0.001)")
	fs.Float64Var(&c.wd, "wd", 0, "weight decay (L2 for sgd, momentum, nesterov and adam; decoupled for adamw)")
	fs.BoolVar(&c.wdNorms, "wd-norms", true, "apply -wd to every parameter; false: only to those of 2 or more dimensions (weights, conv filters),\n"+
		"not to biases and normalisation layers, as nanoGPT does")
	fs.Float64Var(&c.momentum, "momentum", nn.DefaultMomentum, "momentum of -opt=momentum and nesterov, 0 < m < 1 (PyTorch's SGD momentum)")
	fs.IntVar(&c.warmup, "warmup", 0, "linear learning-rate warm-up over this many steps, on top of -schedule:\n"+
		"step s (from 0) trains at the schedule's rate × min(1, (s+1)/STEPS); 0: none")
	clip := fs.String("clip", "", "clip the gradients to this global 2-norm each step, as PyTorch's clip_grad_norm_ (a finite number > 0; empty: none)")
	fs.StringVar(&c.plateau, "plateau", "", "PATIENCE[:FACTOR]: multiply the learning rate by FACTOR (default 0.1) once the validation loss has not\n"+
		"improved (by 1e-4 relative) for more than PATIENCE epochs, PyTorch's ReduceLROnPlateau; on top of -schedule")
	fs.StringVar(&c.schedule, "schedule", "constant", "learning-rate schedule per epoch: constant, step (×0.1 every third of the epochs), step:N:G, cosine")
	fs.IntVar(&c.epochs, "epochs", 30, "passes over the training data (mnist: 5)")
	fs.IntVar(&c.batch, "batch", 16, "mini-batch size (mnist: 128, CSV: 32)")
	fs.IntVar(&c.micro, "micro-batches", 0, "data-parallel runs (mpirun, a build with -tags mpi): cut each batch into this many micro-batches, a multiple\n"+
		"of the ranks; runs with the same number take the same steps, to the bit, on any rank count that divides it,\n"+
		"and in one process (0: one a rank)")
	seed := fs.Uint64("seed", 1, "seed of the data, the weights and the batch order")
	fs.Float64Var(&c.val, "val", defaultVal, "fraction of the training data held out for validation, split by -seed\n"+
		"(mnist: 1/12, 5,000 of its 60,000 training images; its test set is evaluated once, at the end)")
	fs.StringVar(&c.save, "save", "", "write the model to this safetensors file (after every epoch, atomically)")
	inputShape := fs.String("input-shape", "", "CxHxW: the shape of the images each row holds (C channels of H×W, channel-major), for conv and maxpool layers;\n"+
		"mnist is 1x28x28, a CSV file needs it")
	fs.StringVar(&c.load, "load", "", "start from this checkpoint's model (a fresh optimiser); its architecture replaces -layers, -hidden and -act")
	fs.StringVar(&c.resume, "resume", "", "continue the run saved in this checkpoint up to -epochs epochs in all, with its optimiser state, schedule,\n"+
		"batch order and hyperparameters (a flag that disagrees is refused); -save defaults to the same file")
	fs.BoolVar(&c.finetune, "finetune", false, "with -resume: continue the run with its optimiser state (Adam's moments and steps) at a new -lr, -epochs\n"+
		"and -schedule (which starts at the new rate from the saved epoch); the checkpoint records the change")
	fs.BoolVar(&c.saveBest, "save-best", false, "with -save, keep the model of the best validation loss rather than the last")
	fs.IntVar(&c.patience, "patience", 0, "stop after this many epochs without a better validation loss (0: never)")
	fs.StringVar(&c.export, "export", "", "write the -load model to this ONNX file (raw rows in, its standardisation built in), then stop")
	fs.StringVar(&c.predict, "predict", "", "write predictions of the -load model for the rows of this CSV file (features only, no label column; .csv.gz is decompressed)")
	fs.StringVar(&c.out, "out", "", "where -predict writes its CSV (default: stdout)")
	fs.BoolVar(&c.eval, "eval", false, "evaluate the -load model instead of training: on the whole -data set as one set (mnist: its test set),\n"+
		"with its accuracy, loss, confusion matrix and per-class precision, recall and F1; on text, the mean loss over the\n"+
		"non-overlapping windows of ctx bytes from the start (targets shifted by one, the last partial window dropped)")
	fs.StringVar(&c.plot, "plot", "", "folder of the run's pictures (PNG) and metrics.jsonl, created if missing\n"+
		"(default: a new folder runs/DATA-YYYYmmdd-HHMMSS, none with -quiet); -plot= (empty) writes nothing")
	fs.BoolVar(&c.json, "json", false, "write one JSON object per epoch to stdout (other output goes to stderr);\n"+
		"with -eval, one object of the metrics")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the final summary and errors")
	fs.BoolVar(&c.view, "view", false, viewHelp)
	fs.BoolVar(&c.summary, "summary", false, "print the model's layers, output shapes and parameter counts (Keras's model.summary()), then stop")
	c.csvFiles.register(fs)
	fs.StringVar(&c.serve, "serve", "", liveServeUsage)
	fs.IntVar(&c.maxClasses, "max-classes", defaultMaxClasses, "refuse data with more classes than this (a wrong -label-col makes one class per distinct value)")
	maxMemory := fs.String("max-memory", "", "refuse a model, or a CSV file of -data or -predict, whose estimated memory exceeds this, e.g. 512M or 8G\n(default: what the host has available, or its cgroup or ulimit allows)")
	c.gen.register(fs)
	fs.Usage = func() {} // the flag package calls it for errors too; run reports those in one line
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stdout, "usage: train [flags]\n\nTrains a neural network with gltrain on the GPU (OpenGL 4.3 compute shaders) or the CPU.\n"+
				"Unset flags take the data set's defaults: -hidden, -epochs, -batch and -lr differ for mnist and CSV files.\n\nflags:\n")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return c, err
		}
		var defined []string
		fs.VisitAll(func(f *flag.Flag) { defined = append(defined, f.Name) })
		return c, usageError{didYouMean(err, defined)}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected argument %q (flags start with -)", fs.Arg(0))}
	}
	fs.Visit(func(f *flag.Flag) { c.given[f.Name] = true })
	c.seed = *seed
	p := presetFor(c.data)
	if !c.given["hidden"] {
		*hidden = joinInts(p.hidden)
	}
	c.applyPreset(p)
	if err := c.validate(*hidden, *act, *loss); err != nil {
		return c, err
	}
	if err := c.gen.validate(&c); err != nil {
		return c, err
	}
	c.regression = regressionTask(c.loss, c.data)
	if c.regression && !isCSV(c.data) && c.load == "" && c.resume == "" { // else the checkpoint may name a CSV file
		return c, usageError{notRegressionData(c.dataSource()).(exitCode).err}
	}
	if err := c.parseInputShape(*inputShape); err != nil {
		return c, err
	}
	if err := c.validateLayers(*layers); err != nil {
		return c, err
	}
	if err := c.validateText(*model); err != nil {
		return c, err
	}
	var err error
	if c.clip, err = parseClip(*clip); err != nil {
		return c, usageError{fmt.Errorf("invalid value %q for -clip: %v", *clip, err)}
	}
	if c.maxMemory, err = parseSize(*maxMemory); err != nil {
		return c, usageError{fmt.Errorf("invalid value %q for -max-memory: %v", *maxMemory, err)}
	}
	return c, nil
}

// defaultMaxClasses is -max-classes: far more than real data sets have,
// far fewer than one class per distinct value of a float column makes.
const defaultMaxClasses = 10000

// maxThreads bounds -threads: what runs (see cpu.MaxThreads); tens of
// thousands die of thread exhaustion.
const maxThreads = cpu.MaxThreads

// validate checks every value, naming the bad one and the valid ones.
func (c *config) validate(hidden, act, loss string) error {
	// The backends' environment, checked here so that -backend=auto does
	// not take a misspelt GL setting for a missing context.
	if err := errors.Join(cpu.CheckEnv(), gl.CheckEnv()); err != nil {
		return usageError{err}
	}
	for _, f := range []struct{ name, path string }{{"data", c.data}, {"save", c.save}, {"load", c.load}} {
		if !printablePath(f.path) {
			return usageError{fmt.Errorf("invalid value %s for -%s: not UTF-8, or holds control characters (checkpoints record paths as UTF-8 text)", excerpt(f.path), f.name)}
		}
	}
	name, options, hasOptions := strings.Cut(c.backend, ":")
	if !contains(backendNames, name) || (hasOptions && name == "auto") {
		return badValue("backend", c.backend, backendNames, " (or gl:PATH, cpu:blas=gonum)")
	}
	if hasOptions {
		var err error
		if name == "gl" {
			_, err = gl.ParseOptions(options)
		} else {
			_, err = cpu.ParseOptions(options)
		}
		if err != nil {
			return usageError{fmt.Errorf("invalid value %q for -backend: %v", c.backend, err)}
		}
	}
	if c.threads < 0 {
		return usageError{fmt.Errorf("invalid value %d for -threads: want 0 (every core) or more", c.threads)}
	}
	if !contains(dataNames, c.data) && !isCSV(c.data) && !isText(c.data) {
		return badValue("data", c.data, append(dataNames, goCorpus), ", a path to a .csv or .csv.gz file, or text:PATH")
	}
	if !contains(dataChangedValues, c.dataChanged) {
		return badValue("data-changed", c.dataChanged, dataChangedValues, "")
	}
	var err error
	if c.hidden, err = parseInts(hidden); err != nil {
		return usageError{fmt.Errorf("invalid value %q for -hidden: %v (want sizes ≥ 1 separated by commas, e.g. 256,128, or empty)", hidden, err)}
	}
	if c.act, err = backend.ParseActivation(act); err != nil {
		name, _, _ := strings.Cut(act, ":")
		if _, known := backend.LookupActivation(name); known { // a bad parameter: say which
			return usageError{fmt.Errorf("invalid value %q for -act: %v", act, err)}
		}
		return badValue("act", act, activationSet, "")
	}
	if err := checkAlpha(c.act); err != nil {
		return usageError{fmt.Errorf("invalid value %q for -act: %v", act, err)}
	}
	if c.loss, err = nn.ParseLoss(loss); err != nil {
		return badValue("loss", loss, []string{"softmax", "svm", "mse", "l1", "huber", "bce"}, "")
	}
	if err := c.checkCrossEntropy(); err != nil {
		return usageError{err}
	}
	labelCol := c.labelCol
	if c.labelCol, err = normalLabelCols(labelCol); err != nil {
		return usageError{fmt.Errorf("invalid value %s for -label-col: %v", excerpt(labelCol), err)}
	}
	if !contains(nn.OptimizerNames, strings.ToLower(c.opt)) {
		return badValue("opt", c.opt, nn.OptimizerNames, "")
	}
	if _, err := nn.ParseSchedule(c.schedule, 1, 1); err != nil {
		return usageError{fmt.Errorf("invalid value %q for -schedule: %v", c.schedule, err)}
	}
	if err := c.checkTraining(c.resume == ""); err != nil {
		return usageError{err}
	}
	// The rates are float32 on the device, where a subnormal is flushed to 0
	// and a value past float32's range is infinite: both are checked as the
	// device will see them.
	switch {
	case !float32Normal(c.lr):
		return usageError{fmt.Errorf("invalid value %v for -lr: want a number > 0 that float32 holds (%g to %g)", c.lr, minNormal32, math.MaxFloat32)}
	case c.wd != 0 && !float32Normal(c.wd):
		return usageError{fmt.Errorf("invalid value %v for -wd: want 0, or a number > 0 that float32 holds (%g to %g)", c.wd, minNormal32, math.MaxFloat32)}
	case c.threads > maxThreads:
		return usageError{fmt.Errorf("invalid value %d for -threads: want 0 (every core) to %d", c.threads, maxThreads)}
	case c.maxClasses < 2:
		return usageError{fmt.Errorf("invalid value %d for -max-classes: want at least 2", c.maxClasses)}
	case c.epochs < 1:
		return usageError{fmt.Errorf("invalid value %d for -epochs: want at least 1", c.epochs)}
	case c.batch < 1:
		return usageError{fmt.Errorf("invalid value %d for -batch: want at least 1", c.batch)}
	case !(c.val >= 0 && c.val < 1):
		return usageError{fmt.Errorf("invalid value %v for -val: want a fraction in [0, 1)", c.val)}
	case c.eval && c.load == "":
		return usageError{errors.New("-eval needs -load: there is no model to evaluate")}
	case strings.HasSuffix(strings.ToLower(c.plot), ".png"):
		return usageError{fmt.Errorf("invalid value %q for -plot: it names the folder the pictures go into, not a picture; give a folder, e.g. -plot=%s",
			c.plot, strings.TrimSuffix(c.plot, filepath.Ext(c.plot)))}
	}
	if err := c.validateCSVFiles(); err != nil {
		return err
	}
	if err := c.validateModes(); err != nil {
		return err
	}
	if err := c.validateExport(); err != nil {
		return err
	}
	if err := c.checkOutputs(); err != nil {
		return err
	}
	return nil
}

// validateModes checks the flags of -resume, -predict, -save-best and
// -patience against the others.
func (c *config) validateModes() error {
	bad := func(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }
	if err := c.checkFinetune(); err != nil {
		return err
	}
	switch {
	case c.resume != "" && c.load != "":
		return bad("-resume and -load conflict: -resume continues a run, -load starts a new one from a model")
	case c.resume != "" && (c.eval || c.predict != ""):
		return bad("-resume trains; use -load with -eval or -predict")
	case c.predict != "" && c.load == "":
		return bad("-predict needs -load: there is no model to predict with")
	case c.predict != "" && c.eval:
		return bad("-predict and -eval conflict: choose one")
	case c.out != "" && c.predict == "":
		return bad("-out names the file of -predict's output; there is no -predict")
	case c.patience < 0:
		return bad("invalid value %d for -patience: want 0 (never stop early) or more", c.patience)
	case c.saveBest && c.save == "" && c.resume == "":
		return bad("-save-best needs -save: the file to keep the best model in")
	case (c.saveBest || c.patience > 0) && c.given["val"] && c.val == 0:
		return bad("-save-best and -patience need a validation set: -val=0 holds none out")
	case c.predict != "" && !printablePath(c.predict), c.out != "" && !printablePath(c.out), !printablePath(c.resume):
		return bad("invalid path for -predict, -out or -resume: not UTF-8, or holds control characters")
	}
	if c.resume != "" && c.save == "" {
		c.save = c.resume
	}
	from := map[bool]string{true: "resume", false: "load"}[c.resume != ""]
	if c.load != "" || c.resume != "" {
		for _, f := range []string{"hidden", "act", "layers"} {
			if c.given[f] {
				return bad("-%s conflicts with -%s: the checkpoint's architecture is used; drop -%s", f, from, f)
			}
		}
	}
	return nil
}

// validateLayers reads -layers, or -hidden with -act, into c.layers.
func (c *config) validateLayers(layers string) error {
	if c.given["layers"] && c.given["hidden"] {
		return usageError{errors.New("-layers and -hidden conflict: -layers gives every hidden layer; drop -hidden")}
	}
	if !c.given["layers"] {
		c.layers = layersFromHidden(c.hidden, c.act)
		c.layersText = formatLayers(c.layers)
		return nil
	}
	items, err := parseLayers(layers, c.act)
	if err != nil {
		return usageError{fmt.Errorf("invalid value %s for -layers: %v", excerpt(layers), err)}
	}
	c.layers, c.layersText = items, formatLayers(items)
	return nil
}

// hyperparameters formats the training settings as the flags that give
// them, so that the header line can be pasted to repeat the run.
func (c config) hyperparameters() string {
	s := fmt.Sprintf("-opt=%s", c.opt)
	if hasMomentum(c.opt) {
		s += fmt.Sprintf(" -momentum=%g", c.momentum)
	}
	s += fmt.Sprintf(" -lr=%g -wd=%g", c.lr, c.wd)
	if !c.wdNorms {
		s += " -wd-norms=false"
	}
	s += fmt.Sprintf(" -schedule=%s", c.schedule)
	if c.warmup > 0 {
		s += fmt.Sprintf(" -warmup=%d", c.warmup)
	}
	if c.clip > 0 {
		s += fmt.Sprintf(" -clip=%g", c.clip)
	}
	if c.plateau != "" {
		s += " -plateau=" + c.plateau
	}
	s += c.ceHyper()
	return s + fmt.Sprintf(" -batch=%d -epochs=%d -seed=%d", c.batch, c.epochs, c.seed)
}

// minNormal32 is the least normal float32: GPUs flush smaller values to 0.
const minNormal32 = 0x1p-126

// float32Normal reports whether v is > 0 and, as a float32, neither
// subnormal nor infinite.
func float32Normal(v float64) bool {
	f := float32(v)
	return v > 0 && f >= minNormal32 && !math.IsInf(float64(f), 0)
}

func parseInts(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a size", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseInputShape reads -input-shape, CxHxW.
func (c *config) parseInputShape(s string) error {
	if s == "" {
		return nil
	}
	f := strings.Split(strings.ToLower(s), "x")
	bad := usageError{fmt.Errorf("invalid value %s for -input-shape: want CxHxW, e.g. 1x28x28 (channels, height, width, each 1 to 65536)", excerpt(s))}
	if len(f) != 3 {
		return bad
	}
	var v [3]int
	for i := range f {
		n, err := strconv.Atoi(f[i])
		if err != nil || n < 1 || n > 1<<16 {
			return bad
		}
		v[i] = n
	}
	c.inputShape = &nn.Image{C: v[0], H: v[1], W: v[2]}
	return nil
}

// image is the shape of the run's images: -input-shape, else MNIST's
// 1x28x28, else none. It must hold the data's features.
func (c *config) image(features int) (*nn.Image, error) {
	img := c.inputShape
	if img == nil && isIDX(c.data) {
		img = &nn.Image{C: 1, H: 28, W: 28}
	}
	if img != nil && img.Len() != features {
		return nil, fmt.Errorf("-input-shape=%v holds %d values, but %s has %d features", *img, img.Len(), c.data, features)
	}
	return img, nil
}
