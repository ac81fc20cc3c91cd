/** The shapes of Brigade v2's brigadier module, so scripts written for it type-check. */
export interface Project {
  id: string;
  secrets: { [key: string]: string };
}

export interface GitConfig {
  cloneURL: string;
  commit?: string;
  ref?: string;
}

export interface Worker {
  apiAddress: string;
  apiToken: string;
  configFilesDirectory: string;
  defaultConfigFiles: { [key: string]: string };
  logLevel?: string;
  git?: GitConfig;
}

export interface Event {
  id: string;
  project: Project;
  source: string;
  type: string;
  qualifiers?: { [key: string]: string };
  labels?: { [key: string]: string };
  shortTitle?: string;
  longTitle?: string;
  /** the raw payload as text (a GitHub webhook body, for example): scripts JSON.parse it */
  payload?: string;
  worker: Worker;
}

export interface Runnable {
  run(): Promise<void>;
}
