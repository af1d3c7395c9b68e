// Type-checks source texts that exist only in memory (README blocks, generated code samples) as if they
// were files at their paths, with the repository's compiler options: their pre-emit diagnostics.
import { join } from 'node:path';
import ts from 'typescript';

export function diagnosticsOf(files: ReadonlyMap<string, string>, root: string): readonly ts.Diagnostic[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, ...rest) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, language, ...rest)
      : ts.createSourceFile(name, text, language, true);
  };
  const program = ts.createProgram({ rootNames: [...files.keys()], options: { ...options, noEmit: true }, host });
  return ts.getPreEmitDiagnostics(program);
}
