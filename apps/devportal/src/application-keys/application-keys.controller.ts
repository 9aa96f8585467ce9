import { Body, Controller, Delete, Get, Header, HttpCode, Ip, Param, Post, Put, UseGuards } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { BearerAuthGuard } from '../auth/bearer-auth.guard.js';
import { CurrentCaller, type Caller } from '../auth/caller.js';
import { API_BASE } from '../common/api-base.js';
import { ErrorDto } from '../common/error.dto.js';
import { uuidParam } from '../common/uuid-param.pipe.js';
import { ApplicationKeysService } from './application-keys.service.js';
import { ApplicationKeyDto, ApplicationKeyListDto, ApplicationTokenDto, RegeneratedSecretDto } from './dto/application-key.dto.js';
import { GenerateKeysDto, KEY_TYPES, type KeyType, UpdateApplicationKeyDto } from './dto/generate-keys.dto.js';
import { keyTypeParam } from './key-type-param.pipe.js';
import { GenerateTokenDto } from './dto/generate-token.dto.js';
import { MapKeysDto } from './dto/map-keys.dto.js';

@ApiTags('Application Keys')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorDto, description: 'No valid bearer token' })
@ApiNotFoundResponse({ type: ErrorDto, description: 'No such application or key for this user' })
@ApiBadRequestResponse({ type: ErrorDto })
@ApiServiceUnavailableResponse({ type: ErrorDto, description: 'The Key Manager is unavailable or configured differently' })
@UseGuards(BearerAuthGuard)
@Controller(`${API_BASE}/applications/:applicationId`)
export class ApplicationKeysController {
  constructor(private readonly keys: ApplicationKeysService) {}

  @Post('generate-keys')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationKeyDto })
  @ApiConflictResponse({ type: ErrorDto, description: 'Keys of this type already exist' })
  generate(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Body() dto: GenerateKeysDto,
  ): Promise<ApplicationKeyDto> {
    return this.keys.generate(caller, applicationId, dto);
  }

  /** WSO2's "map application keys": an existing client of the Key Manager, proved by its secret, becomes this application's keys. */
  @Post('map-keys')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationKeyDto, description: 'The keys, `mode: MAPPED`; consumerSecret is the secret presented' })
  @ApiBadRequestResponse({ type: ErrorDto, description: 'Invalid body, or the consumer key and secret do not prove a client (one answer for both)' })
  @ApiConflictResponse({ type: ErrorDto, description: 'ErrorDTO 901409: keys of this type exist, or the client is already the key of an application' })
  @ApiTooManyRequestsResponse({ type: ErrorDto, description: "Too many failed secrets for this client or from this address (the Key Manager's throttle); Retry-After" })
  mapKeys(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Body() dto: MapKeysDto,
    @Ip() ip: string,
  ): Promise<ApplicationKeyDto> {
    return this.keys.mapKeys(caller, applicationId, dto, ip);
  }

  @Get('oauth-keys')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationKeyListDto })
  list(@CurrentCaller() caller: Caller, @Param('applicationId', uuidParam('applicationId')) applicationId: string): Promise<ApplicationKeyListDto> {
    return this.keys.list(caller, applicationId);
  }

  @Get('oauth-keys/:keyMappingId')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationKeyDto })
  get(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
  ): Promise<ApplicationKeyDto> {
    return this.keys.get(caller, applicationId, keyMappingId);
  }

  @Put('oauth-keys/:keyMappingId')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationKeyDto })
  update(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
    @Body() dto: UpdateApplicationKeyDto,
  ): Promise<ApplicationKeyDto> {
    return this.keys.update(caller, applicationId, keyMappingId, dto);
  }

  /** Not in WSO2's devportal-api.yaml, but served by WSO2 4.7 with 200 (consumer_secret_rotation.feature asserts it). */
  @Delete('oauth-keys/:keyMappingId')
  @HttpCode(200)
  @ApiOkResponse({ description: 'The client is deleted in the Key Manager and its tokens revoked. No body (200, as WSO2 4.7 answers).' })
  delete(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
  ): Promise<void> {
    return this.keys.delete(caller, applicationId, keyMappingId);
  }

  /** WSO2's "clean up keys after failed key generation": the key's client and row are removed, as by DELETE. */
  @Post('oauth-keys/:keyMappingId/clean-up')
  @HttpCode(200)
  @ApiOkResponse({ description: "Clean up is performed (WSO2): the key's client is deleted in the Key Manager and the key removed. No body." })
  cleanUp(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
  ): Promise<void> {
    return this.keys.delete(caller, applicationId, keyMappingId);
  }

  /** WSO2's deprecated `GET keys/{keyType}`: the key of that type, as `oauth-keys/{keyMappingId}`. */
  @Get('keys/:keyType')
  @Header('Cache-Control', 'no-store')
  @ApiParam({ name: 'keyType', enum: KEY_TYPES })
  @ApiOkResponse({ type: ApplicationKeyDto, description: "WSO2's deprecated key-type resource" })
  async getByType(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyType', keyTypeParam) keyType: KeyType,
  ): Promise<ApplicationKeyDto> {
    return this.keys.get(caller, applicationId, await this.keys.keyMappingIdOfType(caller, applicationId, keyType));
  }

  /** WSO2's deprecated `PUT keys/{keyType}`: grant types and callback URL of the key of that type. */
  @Put('keys/:keyType')
  @Header('Cache-Control', 'no-store')
  @ApiParam({ name: 'keyType', enum: KEY_TYPES })
  @ApiOkResponse({ type: ApplicationKeyDto, description: "WSO2's deprecated key-type resource" })
  async updateByType(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyType', keyTypeParam) keyType: KeyType,
    @Body() dto: UpdateApplicationKeyDto,
  ): Promise<ApplicationKeyDto> {
    return this.keys.update(caller, applicationId, await this.keys.keyMappingIdOfType(caller, applicationId, keyType), dto);
  }

  /** WSO2's deprecated clean-up by key type; nothing to clean up is not an error. */
  @Post('keys/:keyType/clean-up')
  @HttpCode(200)
  @ApiParam({ name: 'keyType', enum: KEY_TYPES })
  @ApiOkResponse({ description: 'Clean up is performed (WSO2, deprecated): the key of this type is removed if there is one. No body.' })
  cleanUpByType(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyType', keyTypeParam) keyType: KeyType,
  ): Promise<void> {
    return this.keys.cleanUpByType(caller, applicationId, keyType);
  }

  @Post('oauth-keys/:keyMappingId/regenerate-secret')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: RegeneratedSecretDto })
  regenerateSecret(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
  ): Promise<RegeneratedSecretDto> {
    return this.keys.regenerateSecret(caller, applicationId, keyMappingId);
  }

  @Post('oauth-keys/:keyMappingId/generate-token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ type: ApplicationTokenDto })
  @ApiUnauthorizedResponse({ type: ErrorDto, description: 'Wrong consumer secret (or no valid bearer token)' })
  generateToken(
    @CurrentCaller() caller: Caller,
    @Param('applicationId', uuidParam('applicationId')) applicationId: string,
    @Param('keyMappingId', uuidParam('keyMappingId')) keyMappingId: string,
    @Body() dto: GenerateTokenDto,
  ): Promise<ApplicationTokenDto> {
    return this.keys.generateToken(caller, applicationId, keyMappingId, dto);
  }
}
