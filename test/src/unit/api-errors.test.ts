import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  Body,
  Controller,
  Get,
  HttpException,
  Module,
  Post,
  ValidationPipe,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { IsString } from 'class-validator';
import { ApiExceptionFilter, JsonDepthPipe } from '@jobnest/server/internal';

/**
 * The server's exception filter and depth pipe in a real Nest HTTP app, registered as apps/server/src/main.ts does.
 * The probe routes raise what the Jobnest routes no longer let bad input raise: an unexpected error (500).
 */
class ProbeBody {
  @IsString()
  name!: string;
}

@Controller('probe')
class ProbeController {
  @Get('crash')
  crash(): never {
    throw new Error('database said: secret internal detail');
  }

  @Get('teapot')
  teapot(): never {
    throw new HttpException('short and stout', 418);
  }

  @Post('echo')
  echo(@Body() body: ProbeBody): ProbeBody {
    return body;
  }
}

@Module({ controllers: [ProbeController] })
class ProbeModule {}

/** Keeps what the app logs at error level. */
class CapturingLogger implements LoggerService {
  readonly errors: string[] = [];
  log(): void {}
  warn(): void {}
  debug(): void {}
  verbose(): void {}
  error(...parts: unknown[]): void {
    this.errors.push(parts.map(String).join(' '));
  }
}

describe('API error answers', () => {
  const logger = new CapturingLogger();
  let app: INestApplication;
  let base = '';

  before(async () => {
    app = await NestFactory.create(ProbeModule, { logger });
    app.useGlobalPipes(
      new JsonDepthPipe(),
      new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    );
    app.useGlobalFilters(new ApiExceptionFilter(app.get(HttpAdapterHost)));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  after(async () => {
    await app.close();
  });

  async function call(
    method: string,
    path: string,
    body?: string,
  ): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
    const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
  }

  it('answers an unexpected error 500 with the shape and a fixed message, and logs its stack once', async () => {
    const { status, text, json } = await call('GET', '/probe/crash');
    assert.equal(status, 500);
    assert.deepEqual(json, { statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
    assert.ok(!text.includes('secret internal detail'), text);
    const logged = logger.errors.filter((line) => line.includes('secret internal detail'));
    assert.equal(logged.length, 1, logger.errors.join('\n'));
    assert.match(logged[0]!, /at ProbeController\.crash/);
  });

  it('adds `error` to an HttpException with a plain message', async () => {
    const { status, json } = await call('GET', '/probe/teapot');
    assert.equal(status, 418);
    assert.deepEqual(json, { statusCode: 418, error: "I'm a Teapot", message: 'short and stout' });
  });

  it('keeps the validation messages, naming the field', async () => {
    const { status, json } = await call('POST', '/probe/echo', JSON.stringify({ name: 5 }));
    assert.equal(status, 400);
    assert.equal(json.error, 'Bad Request');
    assert.deepEqual(json.message, ['name must be a string']);
  });

  it('answers a body over the limit 413 with the shape', async () => {
    const { status, json } = await call('POST', '/probe/echo', JSON.stringify({ name: 'x'.repeat(200_000) }));
    assert.equal(status, 413);
    assert.equal(json.statusCode, 413);
    assert.equal(json.error, 'Payload Too Large');
    assert.match(String(json.message), /^body is larger than the limit of \d+ bytes$/);
  });

  it('answers malformed JSON 400 naming the body', async () => {
    const { status, json } = await call('POST', '/probe/echo', '{"name": ');
    assert.equal(status, 400);
    assert.equal(json.error, 'Bad Request');
    assert.match(String(json.message), /^body is not valid JSON: /);
  });

  it('answers a body nested 10,000 deep 400 naming its field, before validation recurses into it', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    const { status, json } = await call('POST', '/probe/echo', `{"name":"n","payload":${deep}}`);
    assert.equal(status, 400);
    assert.deepEqual(json, {
      statusCode: 400,
      error: 'Bad Request',
      message: 'payload is nested deeper than 32 levels',
    });
    const shallow = await call('POST', '/probe/echo', JSON.stringify({ name: 'n' }));
    assert.equal(shallow.status, 201);
  });

  it('answers an unknown route 404 with the shape', async () => {
    const { status, json } = await call('GET', '/nowhere');
    assert.equal(status, 404);
    assert.equal(json.error, 'Not Found');
    assert.equal(typeof json.message, 'string');
  });
});
