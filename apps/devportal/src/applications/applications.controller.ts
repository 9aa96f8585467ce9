import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { CurrentCaller, type Caller } from '../auth/caller.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { uuidParam } from '../common/uuid-param.pipe.js';
import { ApplicationsService } from './applications.service.js';
import { ApplicationListQueryDto, CreateApplicationDto, UpdateApplicationDto } from './dto/application-request.dto.js';
import { ApplicationDto, ApplicationListDto } from './dto/application-response.dto.js';

@ApiTags('Applications')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'No valid bearer token' })
@ApiBadRequestResponse({ type: ErrorDto })
@UseGuards(BearerAuthGuard)
@Controller(`${API_BASE}/applications`)
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Post()
  @ApiCreatedResponse({ type: ApplicationDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'The caller already has an application with this name' })
  create(@CurrentCaller() caller: Caller, @Body() dto: CreateApplicationDto): Promise<ApplicationDto> {
    return this.applications.create(caller, dto);
  }

  @Get()
  @ApiOkResponse({ type: ApplicationListDto })
  list(@CurrentCaller() caller: Caller, @Query() query: ApplicationListQueryDto): Promise<ApplicationListDto> {
    return this.applications.list(caller, query);
  }

  @Get(':applicationId')
  @ApiOkResponse({ type: ApplicationDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  get(@CurrentCaller() caller: Caller, @Param('applicationId', uuidParam('applicationId')) applicationId: string): Promise<ApplicationDto> {
    return this.applications.get(caller, applicationId);
  }

  @Put(':applicationId')
  @ApiOkResponse({ type: ApplicationDto })
  @ApiNotFoundResponse({ type: ErrorDto })
  @ApiConflictResponse({ type: ErrorDto })
  update(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Body() dto: UpdateApplicationDto,
  ): Promise<ApplicationDto> {
    return this.applications.update(caller, applicationId, dto);
  }

  // WSO2's devportal-api.yaml answers 200 with no body.
  @Delete(':applicationId')
  @HttpCode(200)
  @ApiOkResponse({ description: 'Deleted, with its keys: their clients are removed from the Key Manager and their tokens revoked. No body.' })
  @ApiNotFoundResponse({ type: ErrorDto })
  delete(@CurrentCaller() caller: Caller, @Param('applicationId', uuidParam('applicationId')) applicationId: string): Promise<void> {
    return this.applications.delete(caller, applicationId);
  }
}
