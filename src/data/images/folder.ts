/**
 * The labelled file list of an image folder, in the order torchvision's ImageFolder uses:
 *   - class subfolders (ImageFolder layout): classes = the sorted subfolder names, class index =
 *     position in that list; files found recursively, sorted;
 *   - with a class list (`--classes synsets.txt`, one class per line, its first word the id): the
 *     class of a file is its subfolder's name or, for files directly in the folder, the part of
 *     the file name before the first '_' (ImageNet's `n01440764_tench.JPEG`); index = its line.
 * Only .jpg/.jpeg/.png files count (any case), as ImageFolder ignores other extensions.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ErrorCodes, Onnx2SnnError } from '../../errors.js';

export const IMAGE_EXTENSIONS = /\.(jpe?g|png)$/i;

export interface ImageList {
  readonly root: string;
  /** Paths (root joined with the relative path), in dataset order. */
  readonly files: readonly string[];
  readonly labels: Int32Array;
  /** Class names by index (subfolder names, or the class list's ids). */
  readonly classes: readonly string[];
  readonly layout: 'subfolders' | 'classes';
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function entries(dir: string): { name: string; dir: boolean }[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${dir}: cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { file: dir });
  }
  return names.sort(byCodePoint).map((name) => {
    let isDir = false;
    try {
      isDir = statSync(join(dir, name)).isDirectory(); // follows links, like os.walk(followlinks=True)
    } catch {
      /* a dangling link: not a folder; it fails later if it has an image extension */
    }
    return { name, dir: isDir };
  });
}

/** Image files under `dir`, recursively, sorted per folder (os.walk order with sorted names). */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of entries(dir)) {
    if (e.dir) out.push(...imagesUnder(join(dir, e.name)));
    else if (IMAGE_EXTENSIONS.test(e.name)) out.push(join(dir, e.name));
  }
  return out;
}

/** Reads a class list: line i (blank lines at the end ignored) is class i; its first word is the class id. */
export function readClassList(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Onnx2SnnError(ErrorCodes.FILE, `${path}: cannot read the class list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      file: path,
      option: '--classes',
    });
  }
  const lines = text.replace(/\s+$/, '').split(/\r?\n/);
  const ids = lines.map((l) => l.trim().split(/\s+/)[0] ?? '');
  const empty = ids.findIndex((id) => id === '');
  if (empty >= 0)
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${path}: line ${empty + 1} is empty; every line up to the last names a class`, {
      file: path,
      line: empty + 1,
    });
  return ids;
}

function lookup(index: ReadonlyMap<string, number>, id: string, file: string, classesPath: string): number {
  const k = index.get(id);
  if (k === undefined) {
    throw new Onnx2SnnError(ErrorCodes.DATA_LABELS, `${file}: class "${id}" is not in the class list ${classesPath}`, { file, class: id, option: '--classes' });
  }
  return k;
}

/** Lists a folder of images with their labels. E_FILE / E_DATA_LABELS / E_DATA_FORMAT. */
export function listImages(root: string, classesPath?: string): ImageList {
  const top = entries(root);
  const subdirs = top.filter((e) => e.dir).map((e) => e.name);
  const classes = classesPath ? readClassList(classesPath) : subdirs;
  const index = new Map(classes.map((c, i) => [c, i]));
  const files: string[] = [];
  const labels: number[] = [];
  const flat = top.filter((e) => !e.dir && IMAGE_EXTENSIONS.test(e.name)).map((e) => join(root, e.name));
  if (flat.length && !classesPath) {
    throw new Onnx2SnnError(
      ErrorCodes.DATA_LABELS,
      `${root}: ${flat.length} image(s) directly in the folder (e.g. ${basename(flat[0]!)}) have no class: put them in class subfolders, or give a class list (--classes FILE) and name files <class>_<anything>`,
      { file: root, option: '--classes' },
    );
  }
  for (const f of flat) {
    files.push(f);
    labels.push(lookup(index, basename(f).split('_')[0]!, f, classesPath!));
  }
  for (const d of subdirs) {
    const k = classesPath ? undefined : index.get(d)!;
    for (const f of imagesUnder(join(root, d))) {
      files.push(f);
      labels.push(k ?? lookup(index, d, f, classesPath!));
    }
  }
  if (!files.length) {
    throw new Onnx2SnnError(ErrorCodes.DATA_FORMAT, `${root}: no .jpg, .jpeg or .png images in the folder or its subfolders`, { file: root });
  }
  return { root, files, labels: Int32Array.from(labels), classes, layout: classesPath ? 'classes' : 'subfolders' };
}
