// How the messages of a start that fails name a setting, so that they say what to change where the
// person changes it: `npm start` is configured by environment variables (`set PORT to another port`),
// the command partner-center-cart-sandbox by options (`pass another port with --port`).

export interface SettingNames {
  /** The setting: `PORT`, or `--port`. */
  name(variable: string): string;
  /** The setting with a value: `PORT=0`, or `--port 0`. */
  assign(variable: string, value: string): string;
  /** What to do to give it another value: `set PORT to another port`, or `pass another port with --port`. */
  set(variable: string, what: string): string;
}

/** `npm start`, `node server/main.ts`: environment variables. */
export const VARIABLE_NAMES: SettingNames = {
  name: (variable) => variable,
  assign: (variable, value) => `${variable}=${value}`,
  set: (variable, what) => `set ${variable} to ${what}`,
};

/** The option of the command for a variable: `FOO_BAR` is `--foo-bar`. */
export function optionOf(variable: string): string {
  return `--${variable.toLowerCase().replaceAll('_', '-')}`;
}

/** The command (server/cli.ts): its options. */
export const OPTION_NAMES: SettingNames = {
  name: optionOf,
  assign: (variable, value) => `${optionOf(variable)} ${value}`,
  set: (variable, what) => `pass ${what} with ${optionOf(variable)}`,
};
