import { ConcurrentGroup, SerialGroup } from './groups.js';
import { requireRuntime, currentRuntime } from './runtime-slot.js';
import type { Event, Runnable } from './types.js';

const defaultTimeoutSeconds = 60 * 15;

export enum ImagePullPolicy {
  IfNotPresent = 'IfNotPresent',
  Always = 'Always',
}

/** A container of a job: the primary one decides the job's result; sidecars are helpers. */
export class Container {
  public image: string;
  public imagePullPolicy: ImagePullPolicy | string = ImagePullPolicy.IfNotPresent;
  public workingDirectory = '';
  /** replaces the image's entrypoint; empty keeps it */
  public command: string[] = [];
  /** replaces the image's cmd (appended to command) */
  public arguments: string[] = [];
  public environment: { [key: string]: string } = {};
  /** where the run's shared workspace appears in the container; empty: not mounted */
  public workspaceMountPath = '';
  /** where the event's source checkout appears in the container; empty: not mounted */
  public sourceMountPath = '';
  public privileged = false;

  constructor(image: string) {
    this.image = image;
  }
}

export class JobHost {
  public os?: string;
  public nodeSelector: { [key: string]: string } = {};
}

/**
 * A job: a primary container (and optional sidecars) run by one of the pipeline's
 * executors. `run()` resolves when the primary container exits 0 and rejects otherwise
 * (unless `fallible`).
 */
export class Job implements Runnable {
  public name: string;
  public primaryContainer: Container;
  public sidecarContainers: { [key: string]: Container } = {};
  public timeoutSeconds: number = defaultTimeoutSeconds;
  public host: JobHost = new JobHost();
  /** a fallible job's failure does not fail run() or the pipeline */
  public fallible = false;
  /** iwp: which executor runs this job (`process`, `runc`, `pod`); default from the command line */
  public executor?: string;
  protected event: Event;

  constructor(name: string, image: string, event: Event) {
    this.name = name;
    this.primaryContainer = new Container(image);
    this.event = event;
    currentRuntime()?.declareJob(this);
  }

  public run(): Promise<void> {
    return requireRuntime(`job ${this.name}`).runJob(this);
  }

  /** The job's log (stdout and stderr, secrets masked). */
  public logs(): Promise<string> {
    return requireRuntime(`job ${this.name}`).jobLogs(this.name);
  }

  public static container(name: string, image: string, event: Event): Job {
    return new Job(name, image, event);
  }

  public static sequence(...runnables: Runnable[]): SerialGroup {
    return new SerialGroup(...runnables);
  }

  public static concurrent(...runnables: Runnable[]): ConcurrentGroup {
    return new ConcurrentGroup(...runnables);
  }
}
