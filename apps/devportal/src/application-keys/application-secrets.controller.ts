import { Body, Controller, Get, Header, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { CurrentCaller, type Caller } from '../auth/caller.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { uuidParam } from '../common/uuid-param.pipe.js';
import { ApplicationSecretsService } from './application-secrets.service.js';
import { ConsumerSecretCreationRequestDto, ConsumerSecretDeletionRequestDto, ConsumerSecretDto, ConsumerSecretListDto } from './dto/consumer-secret.dto.js';

/** WSO2 4.7's "Application Secrets": several consumer secrets per key (devportal-api.yaml). */
@ApiTags('Application Secrets')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'No valid bearer token' })
@ApiNotFoundResponse({ type: ErrorDto, description: 'No such application, key or secret for this user' })
@ApiBadRequestResponse({ type: ErrorDto })
@ApiServiceUnavailableResponse({ type: ErrorDto, description: 'The Key Manager is unavailable or configured differently' })
@UseGuards(BearerAuthGuard)
@Controller(`${API_BASE}/applications/:applicationId/oauth-keys/:keyMappingId`)
export class ApplicationSecretsController {
  constructor(private readonly secrets: ApplicationSecretsService) {}

  @Post('generate-secret')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  @ApiCreatedResponse({
    type: ConsumerSecretDto,
    description:
      'A new consumer secret beside the key\'s others; secretValue is shown this once. 400 when the key has [oauth.multiple_client_secrets] secret_count secrets already, or (ErrorDTO 900916) when the feature is disabled.',
  })
  generate(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
    @Body() dto: ConsumerSecretCreationRequestDto,
  ): Promise<ConsumerSecretDto> {
    return this.secrets.generate(caller, applicationId, keyMappingId, dto);
  }

  @Get('secrets')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ConsumerSecretListDto, description: "The key's consumer secrets, most recent first, without their values" })
  list(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
  ): Promise<ConsumerSecretListDto> {
    return this.secrets.list(caller, applicationId, keyMappingId);
  }

  @Post('revoke-secret')
  @HttpCode(204)
  @ApiNoContentResponse({
    description:
      'The secret no longer authenticates the client (tokens issued with it stay valid until they expire, as in WSO2). 400 for the most recent secret (WSO2) and for the last one that has not expired.',
  })
  revoke(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
    @Body() dto: ConsumerSecretDeletionRequestDto,
  ): Promise<void> {
    return this.secrets.revoke(caller, applicationId, keyMappingId, dto.secretId);
  }
}
