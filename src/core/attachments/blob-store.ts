import { Readable } from 'node:stream';
import { mongo, Types, type Connection } from 'mongoose';
import type { BlobStore } from '../domain/channel-adapter.js';
import { NotFoundError } from '../errors/app-error.js';

/** GridFS-backed storage for attachments and raw sources. */
export class GridFsBlobStore implements BlobStore {
  private readonly bucket: mongo.GridFSBucket;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('connection is not open');
    this.bucket = new mongo.GridFSBucket(connection.db, { bucketName: 'blobs' });
  }

  async put(fileName: string, mimeType: string, content: Buffer): Promise<string> {
    const id = new Types.ObjectId();
    await new Promise<void>((resolve, reject) => {
      const upload = this.bucket.openUploadStreamWithId(id, fileName, { metadata: { mimeType } });
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      Readable.from([content]).pipe(upload);
    });
    return id.toHexString();
  }

  async stat(id: string): Promise<{ fileName: string; mimeType: string; size: number }> {
    const file = Types.ObjectId.isValid(id) ? (await this.bucket.find({ _id: new Types.ObjectId(id) }).toArray())[0] : undefined;
    if (!file) throw new NotFoundError('Blob');
    return { fileName: file.filename, mimeType: String(file.metadata?.mimeType ?? 'application/octet-stream'), size: file.length };
  }

  stream(id: string): NodeJS.ReadableStream {
    return this.bucket.openDownloadStream(new Types.ObjectId(id));
  }

  async get(id: string): Promise<Buffer> {
    await this.stat(id);
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(new Types.ObjectId(id))) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async delete(id: string): Promise<void> {
    await this.bucket.delete(new Types.ObjectId(id)).catch(() => undefined);
  }
}
