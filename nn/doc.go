// Package nn builds and trains neural networks on the autograd graph:
// layers, models, initialisers, losses, optimisers with learning-rate
// schedules, a training loop, predictions and checkpoints. Data sets live
// in nn/data; checkpoints are safetensors files (nn/safetensors).
//
// # Models
//
// A model is any Module built on a backend by NewModel. The built-in
// layers are Linear, Activation (any activation of backend's table, per
// layer), Dropout, Softmax, Flatten, Sequential, the image layers Conv2D,
// MaxPool2D, AvgPool2D and GlobalAvgPool, the normalisations LayerNorm and
// BatchNorm, Embedding, CausalSelfAttention, Residual, Graph and GPT; a
// type of your own that implements Module is a layer too. Declare layers
// with their output sizes and let NewModel infer the rest:
//
//	net := nn.Seq(
//		&nn.Linear{Out: 64}, nn.Act(nn.Tanh),
//		&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
//		&nn.Dropout{P: 0.2},
//		&nn.Linear{Out: 3},
//	)
//	model, err := nn.NewModel(b, net, 2, seed) // 2 inputs
//
// Each Linear's weights are drawn with the initialiser its following
// activation calls for (He for the ReLU family, Xavier for tanh, sigmoid
// and the output layer) unless its Init is set; biases start at zero.
// MLP(in, hidden, out, act).Build(b, seed) is the shorthand for the
// classic multilayer perceptron: MLP(in, nil, out, nn.Identity) is the
// linear classifier of the course notes, f(x) = x·W + b, which cannot
// separate the spiral; the 2-layer net f = W2·max(0, W1·x + b1) + b2 can.
//
// Dimensions follow the backend package: x is batch×in, a Linear's W is
// held in×out, the output is batch×out. Parameters are named as PyTorch's
// torch.nn.Sequential names them: "0.weight", "0.bias", "2.weight", …
// (activations and dropout count as layers).
//
// # Images: a BatchNorm CNN
//
// NewImageModel builds a network on images (rows of C·H·W values, NCHW as
// PyTorch's): conv-BatchNorm-ReLU-pool twice, then Linear layers, is
//
//	net := nn.Seq(
//		&nn.Conv2D{Out: 32, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
//		&nn.Conv2D{Out: 64, KH: 3}, &nn.BatchNorm{}, nn.Act(nn.ReLU), &nn.MaxPool2D{KH: 2},
//		nn.Flatten{}, &nn.Linear{Out: 128}, nn.Act(nn.ReLU), &nn.Linear{Out: 10})
//	model, err := nn.NewImageModel(b, net, nn.Image{C: 1, H: 28, W: 28}, seed)
//
// BatchNorm is PyTorch's BatchNorm2d after images and BatchNorm1d after
// features: it normalises with the batch's statistics while training and
// with its running statistics (momentum 0.1) in evaluation, and saves
// running_mean, running_var and num_batches_tracked beside its weight and
// bias, so that Load, Resume and PyTorch's load_state_dict(strict=True)
// restore them.
//
// # Regression
//
// A data set with real-valued targets (data.Set's Targets, one or several
// columns; data.ParseCSV with CSVOptions.Targets) trains with the
// regression losses MSE, L1 and Huber, or BCEWithLogits for binary and
// multi-label 0/1 targets: the model's last Linear has one output a target
// and no softmax. Evaluate and EvaluateRegression report MAE, RMSE and R²
// (scikit-learn's r2_score, the mean over the targets), and PredictValues
// the predicted values (see ExampleEvaluateRegression).
//
// # Transformers
//
// GPT is nanoGPT's model on token ids (a model of 1 input, B sequences of
// Ctx tokens as B·Ctx rows): token and position embeddings, pre-LayerNorm
// blocks of CausalSelfAttention and a GELU MLP, a final LayerNorm and a
// head tied to the token embedding. Its parameters are named as nanoGPT's,
// so nanoGPT's GPT loads its checkpoints with strict=True:
//
//	c, err := nn.ParseGPTConfig("gpt:layers=4,heads=4,embd=128,ctx=128")
//	model, err := nn.NewModel(b, &nn.GPT{Config: c}, 1, seed)
//
// # Training, evaluation and predictions
//
// Trainer.Fit trains a model in training mode (Dropout draws masks) and
// evaluates it in evaluation mode; Evaluate, Predict and Probabilities run
// in evaluation mode. Each restores the mode it found (training, after
// NewModel and Load). Predict and Probabilities take raw host rows and apply
// the model's Standardizer, when it has one, before the network; Evaluate,
// like Trainer, takes a DeviceSet as the network sees it and does not.
//
// Training keeps the data on the device: Trainer uploads the data set once,
// gathers each mini-batch there from an uploaded index vector, and reads the
// loss and accuracy back only every LogEvery steps (and at the end of each
// epoch), from a log the kernels write on the device, so the host does not
// wait for the device at every step.
//
// Trainer's Callbacks are told of each epoch's end, as Keras's are:
// ModelCheckpoint saves the model atomically every epoch or only the best
// by validation loss, and at an interruption keeps what it saved (or saves
// the model as it is, when no epoch was saved yet); EarlyStopping ends
// training once the validation loss stops improving.
//
// Trainer.CrossEntropy trains the softmax cross-entropy with label
// smoothing and class weights, PyTorch's CrossEntropyLoss(weight=w,
// label_smoothing=ε); data.BalancedClassWeights makes scikit-learn's
// balanced weights, EvaluateCrossEntropy reports the loss with them, and a
// Model's CrossEntropy is saved with it:
//
//	w, err := data.BalancedClassWeights(train)
//	model.CrossEntropy = nn.CrossEntropyOptions{LabelSmoothing: 0.1, ClassWeights: w}
//	tr := nn.Trainer{Model: model, Optimizer: opt, Train: train, CrossEntropy: model.CrossEntropy, …}
//
// A custom loop on autograd needs no Reset: the graph starts a new step at
// the first operation after Backward (see package autograd, "Memory").
//
// # Checkpoints
//
// Save writes the model (and with a TrainState, the optimiser's state, the
// epochs and the steps done) to a safetensors file in PyTorch's layout:
// a Linear weight Out×In, a bias of length Out, the optimiser's tensors
// under "optimizer.". The header's metadata records the layer list, the
// loss, the standardisation and the class names, so Load rebuilds the model
// without code, and Resume continues a run to the same bits as one that was
// never stopped. In PyTorch, the same Sequential loads the model tensors
// with load_state_dict(…, strict=True).
//
// ExportONNX and SaveONNX write a model of built-in layers as an ONNX file
// for other runtimes (opset 13, or 17 with a LayerNorm), evaluation mode,
// its standardisation built in, so that it takes raw rows (see
// ExampleExportONNX).
//
// # Residual and graph-shaped models
//
// Residual is a block y = x + F(x); Graph is a network of named nodes,
// each a layer applied to one input ("x", the graph's input, or an
// earlier node) or a merge of several (MergeAdd, MergeMul, MergeConcat),
// the last node its output, as Keras's functional API or torch.fx
// writes a model. A residual MLP and a two-branch model:
//
//	res := nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU),
//		&nn.Residual{F: nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Linear{Out: 32})},
//		nn.Act(nn.ReLU), &nn.Linear{Out: 3})
//	twoBranch := &nn.Graph{Nodes: []nn.Node{
//		{Name: "deep", Inputs: []string{"x"}, Layer: nn.Seq(&nn.Linear{Out: 32}, nn.Act(nn.ReLU), &nn.Linear{Out: 32})},
//		{Name: "wide", Inputs: []string{"x"}, Layer: &nn.Linear{Out: 8}},
//		{Name: "both", Inputs: []string{"deep", "wide"}, Merge: nn.MergeConcat},
//		{Name: "head", Inputs: []string{"both"}, Layer: &nn.Linear{Out: 3}},
//	}}
//
// Their parameters are named as PyTorch names those of a module holding
// F as attribute f ("2.f.0.weight") and each node's layer as an attribute
// of the node's name ("deep.0.weight"). Any composition of built-in
// layers, Sequential, Residual and Graph nested in one another, is saved
// with its structure, so Load rebuilds it, and a PyTorch module written
// the same way loads its tensors with strict=True.
//
// # Packed parameters
//
// On a backend that can pack tensors (backend.Packer), SGD and Adam move the
// parameters, their gradients and the optimiser's state into flat tensors at
// construction, each parameter holding a view, so that a step is one
// optimiser kernel for the whole model rather than one per parameter; the
// results are the same bits. Releasing the optimiser gives the parameters
// tensors of their own again.
package nn
