import { Module } from '@nestjs/common';
import { ClusterViewService } from './cluster-view.service';
import { WorkersController } from './workers.controller';

@Module({ controllers: [WorkersController], providers: [ClusterViewService], exports: [ClusterViewService] })
export class ClusterModule {}
