#!/usr/bin/env python3
"""The MNIST CNN in PyTorch, as `train -data=mnist
-layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu
-opt=adam -lr=1e-3 -batch=128 -epochs=3` runs it in gltrain: pixels / 255,
Conv2d(1,32,3), ReLU, MaxPool2d(2), Conv2d(32,64,3), ReLU, MaxPool2d(2),
Flatten, Linear(1600,128), ReLU, Linear(128,10) with PyTorch's default
initialisation, softmax cross-entropy, Adam lr 1e-3, batches of 128 in a new
random order each epoch, trained on 55,000 images (the 5,000 gltrain holds
out for validation are left out here too), then the loss and accuracy on
the 10,000 test images after each epoch:

    /usr/bin/python3 bench/pytorch/mnist_cnn.py --threads 2 [--epochs 3]
    go run ./cmd/train -data=mnist -layers=conv:32:3,relu,maxpool:2,conv:64:3,relu,maxpool:2,flatten,128:relu -opt=adam -lr=1e-3 -batch=128 -epochs=3 -threads=2

The data are the four IDX files that gltrain caches (`make mnist`).
"""
from mnist_epoch import fit, setup  # the flags, reader and training loop of the MLP's script


def main():
    a, torch, xtr, ytr, xte, yte = setup(3, lambda ap: ap.add_argument(
        "--train", type=int, default=55000, help="training images (gltrain's -val=0 trains on all 60000)"))
    keep = torch.randperm(len(xtr))[:a.train]
    xtr, ytr = xtr[keep].reshape(-1, 1, 28, 28), ytr[keep]
    xte = xte.reshape(-1, 1, 28, 28)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10))
    fit(torch, model, xtr, ytr, xte, yte, a.epochs, digits=2)


if __name__ == "__main__":
    main()
