/**
 * A problem with a file's content or its object: the file is marked FAILED with `message` as its
 * error_message. Any other error thrown while loading is an infrastructure failure.
 */
export class FileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FileError'
  }
}

export function isFileError(error: unknown): error is FileError {
  return error instanceof FileError
}
