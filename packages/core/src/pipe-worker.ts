// The worker thread of core's hashedFile (pipes.ts): runs writeHashedFile (hashed-file.ts).
import { serveWorker } from './workers.js';
import { writeHashedFile, type HashedFileResult, type HashedFileTask } from './hashed-file.js';

serveWorker<HashedFileTask, HashedFileResult>(writeHashedFile);
