export * from './column-transformers';
export * from './data-source';
export * from './entities/app-info.entity';
export * from './entities/job-info.entity';
export * from './entities/instance-info.entity';
export * from './entities/instance-log.entity';
export * from './entities/task.entity';
export * from './migrate';
