import { Logger } from '@nestjs/common';
import { LogLevel } from '@jobnest/common';
import type { TaskLogger } from '../processor/processor.interfaces';
import { limitLogMessage } from './log-message-limit';
import type { LogShipper } from './log-shipper';

const echo = new Logger('JobnestTask');

/** The `ctx.logger` of one instance: lines go to the instance's online log and, at debug level, to the Nest log. */
export function createTaskLogger(instanceId: number, shipper: LogShipper): TaskLogger {
  const write = (level: LogLevel, message: unknown): void => {
    // Cut here already: a processor logging a huge value must not hold it twice (buffer and echo).
    const text = limitLogMessage(typeof message === 'string' ? message : String(message));
    shipper.push({ instanceId, time: Date.now(), level, message: text });
    echo.debug(`[instance ${instanceId}] ${level} ${text}`);
  };
  return {
    debug: (message) => write(LogLevel.DEBUG, message),
    info: (message) => write(LogLevel.INFO, message),
    warn: (message) => write(LogLevel.WARN, message),
    error: (message) => write(LogLevel.ERROR, message),
  };
}
