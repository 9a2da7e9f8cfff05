/** The bundled real models with their datasets and preprocessing (from fixtures/README.md). */
import type { Preprocess } from '../src/data/types.js';

export interface BundledModel {
  readonly id: string;
  readonly file: string;
  readonly test: string;
  readonly calib: string;
  readonly pre: Preprocess;
  /** Documented ANN accuracy on `test` (onnxruntime 1.30, CPU). */
  readonly annAccuracy: number;
}

const MNIST = { test: 'fixtures/data/mnist/t10k-images-idx3-ubyte.gz', calib: 'fixtures/data/mnist/train-images-idx3-ubyte.gz', pre: { scale: 1 / 255 } };

export const BUNDLED_MODELS: readonly BundledModel[] = [
  { id: 'onnx-zoo-mnist-12', file: 'fixtures/models/onnx-zoo-mnist-12.onnx', ...MNIST, annAccuracy: 0.989 },
  { id: 'vnncomp21-mnistfc-256x2', file: 'fixtures/models/vnncomp21-mnistfc-256x2.onnx', ...MNIST, annAccuracy: 0.9808 },
  { id: 'vnncomp21-verivital-convnet_maxpool', file: 'fixtures/models/vnncomp21-verivital-convnet_maxpool.onnx', ...MNIST, annAccuracy: 0.9792 },
  {
    id: 'vnncomp21-cifar10-resnet_2b',
    file: 'fixtures/models/vnncomp21-cifar10-resnet_2b.onnx',
    test: 'fixtures/data/cifar10/test_first1000.bin.gz',
    calib: 'fixtures/data/cifar10/train_first1000.bin.gz',
    pre: { scale: 1 / 255, mean: [0.4914, 0.4822, 0.4465], std: [0.2471, 0.2435, 0.2616] },
    annAccuracy: 0.703,
  },
];

/** ImageNet preprocessing of torchvision's reference models: Resize(256), CenterCrop(224), ToTensor, Normalize. */
export const IMAGENET_PRE: Preprocess = { resize: [256], centerCrop: [224], scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

/**
 * The int8 MobileNetV2 (ONNX Model Zoo, QOperator) on the 100 bundled ImageNet images (one per
 * 10th class, labelled by the wnid prefix of the file name). Not in BUNDLED_MODELS: its SNN takes
 * minutes per image on 2 cores (scripts/imagenet.ts runs it).
 */
export const IMAGENET_SAMPLE = {
  id: 'onnx-zoo-mobilenetv2-12-int8',
  file: 'fixtures/models/onnx-zoo-mobilenetv2-12-int8.onnx',
  data: 'fixtures/data/imagenet-sample',
  pre: { ...IMAGENET_PRE, classes: 'fixtures/data/imagenet-sample/synsets.txt' } as Preprocess,
} as const;
