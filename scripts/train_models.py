#!/usr/bin/python3
"""Train and export the project's own deep BatchNorm test networks (issue 10, items 4 and 5).

Runs on the CPU with Debian's torch (`/usr/bin/python3`, python3-torch 1.13, python3-torchvision),
with fixed seeds, reading the IDX training sets from Debian's dataset-fashion-mnist package and
from the repository's fixtures/data/mnist. One sub-command per network:

  resnet     ResNet-20 (CIFAR style: stem conv + 3 stages x 3 basic blocks x 2 convs, 1x1 conv+BN
             projection shortcuts where the shape changes, ReLU after each residual Add, global
             average pool, Linear) on Fashion-MNIST. Exported with training=PRESERVE on the
             eval-mode model: the BatchNormalization nodes are KEPT in the ONNX file.
  vgg        VGG-style conv-BN-ReLU blocks with max pooling on Fashion-MNIST, exported the default
             way (eval mode): the exporter folds BatchNorm into the convolutions.
  mobilenet  MobileNetV2-style net on MNIST: inverted residual blocks (1x1 expansion + ReLU6,
             depthwise 3x3 + ReLU6, 1x1 linear projection without activation, residual Add without
             ReLU where shapes match). Exported the default way (BatchNorm folded).

Preprocessing of every model: pixel / 255 only (no mean/std), input [N,1,28,28] float32.

  nice -n 10 /usr/bin/python3 scripts/train_models.py resnet     # -> fixtures/models/own-fmnist-resnet20-bn.onnx
  nice -n 10 /usr/bin/python3 scripts/train_models.py vgg        # -> fixtures/models/own-fmnist-vgg-bn.onnx
  nice -n 10 /usr/bin/python3 scripts/train_models.py mobilenet  # -> fixtures/models/own-mnist-mobilenetv2.onnx

Budget: few epochs on purpose (6 / 4 / 3), so that each model trains in about 20-30 minutes on the
project's 2 shared cores (measured under heavy contention: 1343 s, 1685 s, 1117 s wall; 493 s,
228 s, 175 s CPU); one-cycle SGD gets most of the accuracy of a long run in that budget.

Options: --epochs N, --seed S (default 0), --threads N (default 1), --out FILE, --limit N (train on
the first N images only: a quick smoke run, not for the committed files).
"""
import argparse
import gzip
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FMNIST_TRAIN = '/usr/share/datasets/fashion-mnist/train'
MNIST_TRAIN = os.path.join(ROOT, 'fixtures/data/mnist/train')
DATA = {
    'fashion-mnist': (FMNIST_TRAIN, os.path.join(ROOT, 'fixtures/data/fashion-mnist/t10k')),
    'mnist': (MNIST_TRAIN, os.path.join(ROOT, 'fixtures/data/mnist/t10k')),
}


def read_idx(prefix):
    """IDX images (uint8 [N,28,28]) and labels (int64 [N]) from `<prefix>-images-idx3-ubyte.gz`."""
    with gzip.open(prefix + '-images-idx3-ubyte.gz', 'rb') as f:
        raw = f.read()
    n, h, w = int.from_bytes(raw[4:8], 'big'), int.from_bytes(raw[8:12], 'big'), int.from_bytes(raw[12:16], 'big')
    x = np.frombuffer(raw, np.uint8, n * h * w, 16).reshape(n, 1, h, w)
    with gzip.open(prefix + '-labels-idx1-ubyte.gz', 'rb') as f:
        raw = f.read()
    y = np.frombuffer(raw, np.uint8, n, 8).astype(np.int64)
    return torch.from_numpy(x.astype(np.float32) / 255.0), torch.from_numpy(y)


# ---------------------------------------------------------------- networks

def conv_bn(cin, cout, k=3, stride=1, groups=1):
    return [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
    """He et al. 2016 basic block; a 1x1 conv + BN projection where stride or width changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), nn.ReLU(), *conv_bn(cout, cout, 3))
        self.short = nn.Sequential(*conv_bn(cin, cout, 1, stride)) if stride != 1 or cin != cout else nn.Identity()

    def forward(self, x):
        return F.relu(self.body(x) + self.short(x))


def resnet20(widths=(8, 16, 32), blocks=3):
    layers, cin = [*conv_bn(1, widths[0]), nn.ReLU()], widths[0]
    for s, w in enumerate(widths):
        for b in range(blocks):
            layers.append(BasicBlock(cin, w, 2 if (b == 0 and s > 0) else 1))
            cin = w
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def vgg_bn():
    """conv-BN-ReLU x2, maxpool; x2, maxpool; x2, maxpool (28 -> 14 -> 7 -> 3); FC-ReLU-FC."""
    cfg, layers, cin = [16, 16, 'M', 32, 32, 'M', 64, 64, 'M'], [], 1
    for v in cfg:
        if v == 'M':
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [*conv_bn(cin, v), nn.ReLU()]
            cin = v
    layers += [nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 3 * 3, 128), nn.ReLU(), nn.Linear(128, 10)]
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """Sandler et al. 2018: expand 1x1 + ReLU6, depthwise 3x3 + ReLU6, linear 1x1 projection;
    identity Add (no activation after it) when stride 1 and widths match."""

    def __init__(self, cin, cout, stride, expand):
        super().__init__()
        mid = cin * expand
        self.body = nn.Sequential(
            *conv_bn(cin, mid, 1), nn.ReLU6(),
            *conv_bn(mid, mid, 3, stride, groups=mid), nn.ReLU6(),
            *conv_bn(mid, cout, 1))
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


def mobilenet_v2():
    # stem stride 2 (28 -> 14); (expansion, out channels, repeats, first stride): 14 -> 14 -> 7 -> 7
    cfg = [(1, 8, 1, 1), (4, 16, 2, 1), (4, 24, 2, 2), (4, 32, 2, 1)]
    layers, cin = [*conv_bn(1, 16, 3, 2), nn.ReLU6()], 16
    for t, c, n, s in cfg:
        for i in range(n):
            layers.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
            cin = c
    layers += [*conv_bn(cin, 128, 1), nn.ReLU6(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10)]
    return nn.Sequential(*layers)


# name: (builder, dataset, epochs, peak lr, weight decay, batch, augment, BN kept in the export, file)
# Few epochs on purpose: the whole training has to fit on 2 shared CPU cores (see the module doc).
MODELS = {
    'resnet': (resnet20, 'fashion-mnist', 6, 0.2, 5e-4, 128, True, True, 'own-fmnist-resnet20-bn.onnx'),
    'vgg': (vgg_bn, 'fashion-mnist', 4, 0.1, 5e-4, 128, True, False, 'own-fmnist-vgg-bn.onnx'),
    'mobilenet': (mobilenet_v2, 'mnist', 3, 0.2, 4e-5, 128, False, False, 'own-mnist-mobilenetv2.onnx'),
}


# ---------------------------------------------------------------- training

def augment(x, gen):
    """Random horizontal flip (clothes are left/right symmetric); nothing else in so few epochs."""
    m = torch.rand(x.shape[0], generator=gen) < 0.5
    return torch.where(m[:, None, None, None], x.flip(3), x)


def evaluate(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def train(name, args):
    build, dataset, epochs, lr, wd, batch, aug, keep_bn, fname = MODELS[name]
    epochs = args.epochs or epochs
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.set_num_threads(args.threads)
    train_prefix, test_prefix = DATA[dataset]
    xtr, ytr = read_idx(train_prefix)
    xte, yte = read_idx(test_prefix)
    if args.limit:
        xtr, ytr = xtr[:args.limit], ytr[:args.limit]
    # channels-last convolutions ran about twice as fast on this CPU (oneDNN); the export is unaffected
    model = build().to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    print(f'{name}: {dataset}, {len(xtr)} training images, {params} parameters, {epochs} epochs', flush=True)
    # SGD + Nesterov momentum with a one-cycle schedule (Smith & Topin 2019): good accuracy in few epochs
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
    steps = (len(xtr) + batch - 1) // batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, epochs=epochs, steps_per_epoch=steps, pct_start=0.25)
    gen = torch.Generator().manual_seed(args.seed)
    t0, c0 = time.time(), time.process_time()
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(steps):
            idx = perm[i * batch:(i + 1) * batch]
            xb = augment(xtr[idx], gen) if aug else xtr[idx]
            loss = F.cross_entropy(model(xb.contiguous(memory_format=torch.channels_last)), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if (i + 1) % 100 == 0:
                print(f'    step {i + 1}/{steps}: loss {total / (i + 1):.4f}, {time.time() - t0:.0f} s ({time.process_time() - c0:.0f} s CPU)', flush=True)
        acc = evaluate(model, xte[:2000], yte[:2000])
        print(f'  epoch {ep + 1}/{epochs}: loss {total / steps:.4f}, first 2000 test {100 * acc:.2f} %, {time.time() - t0:.0f} s', flush=True)
    model = model.to(memory_format=torch.contiguous_format).eval()
    acc = evaluate(model, xte, yte)
    print(f'{name}: PyTorch test accuracy {100 * acc:.2f} % on {len(xte)} images, training {time.time() - t0:.0f} s ({time.process_time() - c0:.0f} s CPU)')
    out = args.out or os.path.join(ROOT, 'fixtures/models', fname)
    export(model, out, keep_bn)
    print(f'wrote {out} ({os.path.getsize(out)} bytes), BatchNorm {"kept" if keep_bn else "folded"}')


def export(model, out, keep_bn):
    """Opset 13 with a dynamic batch dimension. PRESERVE on an eval-mode model keeps the
    BatchNormalization nodes (inference form, one output); EVAL (the default) lets the exporter
    fold them into the preceding convolutions."""
    dummy = torch.zeros(1, 1, 28, 28)
    mode = torch.onnx.TrainingMode.PRESERVE if keep_bn else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, dummy, out, input_names=['input'], output_names=['logits'], opset_version=13,
                      training=mode, do_constant_folding=not keep_bn,
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('model', choices=sorted(MODELS))
    p.add_argument('--epochs', type=int, default=0)
    p.add_argument('--seed', type=int, default=0)
    # one thread by default: on an oversubscribed 2-core machine OpenMP's spinning barriers made two
    # threads 3-10x slower than one (measured here); results are deterministic with one thread
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--limit', type=int, default=0)
    p.add_argument('--out')
    args = p.parse_args()
    print(f'torch {torch.__version__}', file=sys.stderr)
    train(args.model, args)


if __name__ == '__main__':
    main()
