import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Length } from 'class-validator';
import { KeyManagerProperty, KeyTypeProperty, type KeyType } from './generate-keys.dto.js';

/**
 * WSO2's ApplicationKeyMappingRequest (map-keys): an existing OAuth2 client of the Key Manager becomes the
 * application's keys of one type. `consumerSecret` is optional in WSO2's spec (some key managers skip the
 * check); here it is required: it is how the caller proves the client is theirs.
 */
export class MapKeysDto {
  @ApiProperty({ example: 'oYhwZu4P2ThDmiDprBk6c0YfjR8a', description: 'The client id of an existing Key Manager client' })
  @IsString()
  @Length(1, 128)
  consumerKey!: string;

  @ApiProperty({ description: "One of the client's working consumer secrets: the Key Manager checks it as client authentication does" })
  @IsDefined({ message: 'consumerSecret is required: the Key Manager checks it to prove the client is yours' })
  @IsString()
  @Length(1, 512)
  consumerSecret!: string;

  @KeyTypeProperty()
  keyType!: KeyType;

  @KeyManagerProperty()
  keyManager?: string;
}
