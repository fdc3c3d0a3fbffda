/** One trace format's reader: fed the file's lines in order, it puts jobs and rejections into a JobCollector. */
export interface FormatReader {
  /** `text` has no line terminator; `lineNo` is 1-based. */
  line(text: string, lineNo: number): void;
  /** Called after the last line; throws a TraceFormatError when the file never looked like this format. */
  end(): void;
}
