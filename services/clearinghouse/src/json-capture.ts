/** A slice of the text that may span chunks: pieces of earlier chunks plus the current one. */
export class Capture {
  active = false
  #start = 0
  #pieces: string[] = []
  #piecesLength = 0

  begin(at: number): void {
    this.active = true
    this.#start = at
    this.#pieces = []
    this.#piecesLength = 0
  }

  /** Characters captured up to `end` in the current chunk. */
  length(end: number): number {
    return this.#piecesLength + end - this.#start
  }

  /** The captured text up to `end` (exclusive) in the current chunk `s`; stops capturing. */
  take(s: string, end: number): string {
    const tail = s.slice(this.#start, end)
    const text = this.#pieces.length === 0 ? tail : this.#pieces.join('') + tail
    this.stop()
    return text
  }

  stop(): void {
    this.active = false
    this.#pieces = []
    this.#piecesLength = 0
  }

  /** Called when chunk `s` ends: keeps its captured part and continues at 0 in the next. */
  carry(s: string): void {
    if (!this.active) return
    const piece = s.slice(this.#start)
    this.#pieces.push(piece)
    this.#piecesLength += piece.length
    this.#start = 0
  }
}
