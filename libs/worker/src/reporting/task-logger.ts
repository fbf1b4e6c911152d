import { Logger } from '@nestjs/common';
import { LogLevel, type LogLine } from '@jobnest/common';
import type { TaskLogger } from '../processor/processor.interfaces';
import { limitLogMessage } from './log-message-limit';

/** Where a ctx.logger's lines go (the LogShipper), and the worker they are echoed for. */
export interface TaskLogSink {
  readonly workerId: string;
  push(line: LogLine): void;
}

/**
 * The `ctx.logger` of one instance: lines go to the instance's online log and, at debug level, to the Nest log
 * under the context `TaskLogger <workerId>` (the SDK's convention, see WorkerLogger).
 */
export function createTaskLogger(instanceId: number, sink: TaskLogSink): TaskLogger {
  const echo = new Logger(`TaskLogger ${sink.workerId}`);
  const write = (level: LogLevel, message: unknown): void => {
    // Cut here already: a processor logging a huge value must not hold it twice (buffer and echo).
    const text = limitLogMessage(typeof message === 'string' ? message : String(message));
    sink.push({ instanceId, time: Date.now(), level, message: text });
    echo.debug(`[instance ${instanceId}] ${level} ${text}`);
  };
  return {
    debug: (message) => write(LogLevel.DEBUG, message),
    info: (message) => write(LogLevel.INFO, message),
    warn: (message) => write(LogLevel.WARN, message),
    error: (message) => write(LogLevel.ERROR, message),
  };
}
