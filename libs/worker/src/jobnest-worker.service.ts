import { Injectable } from '@nestjs/common';

interface WorkerIdentity {
  workerId: string;
  appId: number;
  processors: string[];
}

/** Identity of this worker, for host code (logs, health endpoints). Readable once the application has booted. */
@Injectable()
export class JobnestWorkerService {
  private identity: WorkerIdentity | undefined;

  /** Id of this worker (its command queue is `jobnest-worker-<workerId>`). */
  get workerId(): string {
    return this.booted().workerId;
  }

  /** Id of the app whose credentials the worker booted with. */
  get appId(): number {
    return this.booted().appId;
  }

  /** Names of the processors this worker runs, sorted. */
  get processors(): string[] {
    return [...this.booted().processors];
  }

  /** True once the credentials were checked. */
  get isBooted(): boolean {
    return this.identity !== undefined;
  }

  /** @internal Set by the worker runtime at boot. */
  setIdentity(identity: WorkerIdentity): void {
    this.identity = identity;
  }

  private booted(): WorkerIdentity {
    if (!this.identity)
      throw new Error('the Jobnest worker has not booted yet (read it after the application initialised)');
    return this.identity;
  }
}
