export interface CliIo {
  stdout: (s: string) => void
  stderr: (s: string) => void
}
