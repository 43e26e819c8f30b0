import {
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  Schema,
  type TimeUnit,
  Timestamp,
  Utf8,
} from 'apache-arrow';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';
import {
  BufferRegion,
  DictionaryBatch,
  FieldNode,
  Message,
  RecordBatch,
} from 'apache-arrow/ipc/metadata/message';

/**
 * Hand-made Arrow IPC bytes for the engine's tests and the harness's security scenario, valid or
 * deliberately lying: the flatbuffer metadata is encoded by apache-arrow's own message encoder
 * (an implementation independent of OmenDB's reader), and the framing (continuation marker, lengths, padding, file magic, footer) is laid
 * out here, so that every declared length, buffer and footer block can be set to anything.
 */

export const keyValueSchema = (keyType: Int64 | Timestamp = new Int64()): Schema =>
  new Schema([new Field('key', keyType, false), new Field('value', new Float64(), false)]);

export const timestampKeySchema = (unit: TimeUnit): Schema => keyValueSchema(new Timestamp(unit));

/** One framed IPC message: the bytes, and the two lengths a file footer block records. */
export interface Frame {
  readonly bytes: Uint8Array;
  /** Continuation marker, length prefix and the padded flatbuffer metadata. */
  readonly metaDataLength: number;
  readonly bodyLength: number;
}

const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

/** Frames flatbuffer metadata and a body the way the stream format does (padded to 8 bytes). */
export function frame(metadata: Uint8Array, body: Uint8Array = new Uint8Array(0)): Frame {
  const padded = pad8(8 + metadata.length) - 8;
  const bodyLength = pad8(body.length);
  const bytes = new Uint8Array(8 + padded + bodyLength);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0xffffffff, true);
  view.setInt32(4, padded, true);
  bytes.set(metadata, 8);
  bytes.set(body, 8 + padded);
  return { bytes, metaDataLength: 8 + padded, bodyLength };
}

export function schemaFrame(schema: Schema = keyValueSchema()): Frame {
  return frame(Message.encode(Message.from(schema)));
}

export interface BatchLayout {
  /** The declared row count of the batch. */
  readonly length: number | bigint;
  /** [length, null count] per field node. */
  readonly nodes: readonly (readonly [number | bigint, number | bigint])[];
  /** [offset, length] per buffer, relative to the body. */
  readonly buffers: readonly (readonly [number | bigint, number | bigint])[];
  readonly body: Uint8Array;
  /** The message's bodyLength; by default the padded body's. */
  readonly bodyLength?: number;
}

function batchHeader(layout: BatchLayout): RecordBatch {
  return new RecordBatch(
    layout.length,
    layout.nodes.map(([length, nulls]) => new FieldNode(length, nulls)),
    layout.buffers.map(([offset, length]) => new BufferRegion(offset, length)),
    null,
  );
}

export function batchFrame(layout: BatchLayout): Frame {
  const bodyLength = layout.bodyLength ?? pad8(layout.body.length);
  const message = Message.from(batchHeader(layout), bodyLength);
  const framed = frame(Message.encode(message), layout.body);
  return { ...framed, bodyLength };
}

export function dictionaryFrame(id: number, layout: BatchLayout, isDelta: boolean): Frame {
  const header = new DictionaryBatch(batchHeader(layout), id, isDelta);
  const message = Message.from(header, pad8(layout.body.length));
  return frame(Message.encode(message), layout.body);
}

/** The body and layout of a valid batch of key and value columns (validity buffers empty). */
export function pointsLayout(keys: BigInt64Array, values: Float64Array): BatchLayout {
  const rows = keys.length;
  const body = new Uint8Array(pad8(rows * 8) * 2);
  body.set(new Uint8Array(keys.buffer, keys.byteOffset, rows * 8), 0);
  body.set(new Uint8Array(values.buffer, values.byteOffset, rows * 8), pad8(rows * 8));
  return {
    length: rows,
    nodes: [
      [rows, 0],
      [rows, 0],
    ],
    buffers: [
      [0, 0],
      [0, rows * 8],
      [pad8(rows * 8), 0],
      [pad8(rows * 8), rows * 8],
    ],
    body,
  };
}

export function pointsFrame(keys: readonly bigint[], values: readonly number[]): Frame {
  return batchFrame(pointsLayout(BigInt64Array.from(keys), Float64Array.from(values)));
}

export const endOfStream = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A stream: the frames as given (the schema frame included by the caller), then end of stream. */
export function stream(frames: readonly Frame[], end = true): Uint8Array {
  return concat([...frames.map((f) => f.bytes), ...(end ? [endOfStream] : [])]);
}

const magic = new TextEncoder().encode('ARROW1');

export interface FileOptions {
  /** The footer's record batch blocks as indexes into `frames` (default: each frame once). */
  readonly blockOrder?: readonly number[];
  /** Blocks as given, replacing blockOrder: [offset, metaDataLength, bodyLength]. */
  readonly blocks?: readonly (readonly [number, number, number])[];
}

export interface CraftedFile {
  readonly bytes: Uint8Array;
  /** Where each frame starts in the file. */
  readonly offsets: readonly number[];
}

/** An IPC file: magic, the schema message, the batch frames, the footer, its length, magic. */
export function file(schema: Schema, frames: readonly Frame[], options: FileOptions = {}): CraftedFile {
  const head = concat([magic, new Uint8Array(2), schemaFrame(schema).bytes]);
  const offsets: number[] = [];
  let at = head.length;
  for (const f of frames) {
    offsets.push(at);
    at += f.bytes.length;
  }
  const blocks =
    options.blocks?.map(([offset, meta, body]) => new FileBlock(meta, body, offset)) ??
    (options.blockOrder ?? frames.map((_, i) => i)).map(
      (i) => new FileBlock(frames[i]!.metaDataLength, frames[i]!.bodyLength, offsets[i]!),
    );
  const footer = Footer.encode(new Footer(schema, undefined, blocks, []));
  const footerLength = new Uint8Array(4);
  new DataView(footerLength.buffer).setInt32(0, footer.length, true);
  const bytes = concat([head, ...frames.map((f) => f.bytes), footer, footerLength, magic]);
  return { bytes, offsets };
}

/** A schema with one more column besides key and value. */
export function schemaWithExtra(extra: Field): Schema {
  return new Schema([...keyValueSchema().fields, extra]);
}

/** A dictionary-encoded Utf8 column (dictionary id `id`, Int32 indices). */
export function dictionaryField(name: string, id: number): Field {
  return new Field(name, new Dictionary(new Utf8(), new Int32(), id), false);
}

/** The layout of a Utf8 dictionary batch holding `strings`. */
export function utf8Layout(strings: readonly string[]): BatchLayout {
  const encoded = strings.map((s) => new TextEncoder().encode(s));
  const offsets = new Int32Array(strings.length + 1);
  for (let i = 0; i < encoded.length; i++) offsets[i + 1] = offsets[i]! + encoded[i]!.length;
  const offsetBytes = pad8(offsets.byteLength);
  const data = concat(encoded);
  const body = new Uint8Array(offsetBytes + pad8(data.length));
  body.set(new Uint8Array(offsets.buffer), 0);
  body.set(data, offsetBytes);
  return {
    length: strings.length,
    nodes: [[strings.length, 0]],
    buffers: [
      [0, 0],
      [0, offsets.byteLength],
      [offsetBytes, data.length],
    ],
    body,
  };
}

/** The layout of a record batch of key, value and one Int32 index column (all zeros). */
export function pointsWithIndexLayout(keys: readonly bigint[], values: readonly number[]): BatchLayout {
  const base = pointsLayout(BigInt64Array.from(keys), Float64Array.from(values));
  const rows = keys.length;
  const at = base.body.length;
  const body = concat([base.body, new Uint8Array(pad8(rows * 4))]);
  return {
    length: rows,
    nodes: [...base.nodes, [rows, 0]],
    buffers: [...base.buffers, [at, 0], [at, rows * 4]],
    body,
  };
}
