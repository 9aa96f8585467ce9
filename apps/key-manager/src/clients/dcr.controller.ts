import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import { DcrService, type DcrClientResponse } from './dcr.service.js';
import { SuperAdminGuard } from './super-admin.guard.js';

/** WSO2's Key Manager client registration API. */
@Controller('keymanager-operations/dcr/register')
@UseGuards(SuperAdminGuard)
export class DcrController {
  constructor(private readonly dcr: DcrService) {}

  @Post()
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  register(@Body() body: unknown): Promise<DcrClientResponse> {
    return this.dcr.register(body);
  }

  @Get(':clientId')
  @Header('Cache-Control', 'no-store')
  get(@Param('clientId') clientId: string): Promise<DcrClientResponse> {
    return this.dcr.get(clientId);
  }

  @Put(':clientId')
  @Header('Cache-Control', 'no-store')
  update(@Param('clientId') clientId: string, @Body() body: unknown): Promise<DcrClientResponse> {
    return this.dcr.update(clientId, body);
  }

  @Delete(':clientId')
  @HttpCode(204)
  delete(@Param('clientId') clientId: string): Promise<void> {
    return this.dcr.delete(clientId);
  }
}
