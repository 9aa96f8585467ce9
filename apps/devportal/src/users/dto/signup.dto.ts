import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Length, Matches } from 'class-validator';
import { USERNAME_PATTERN } from '@app/contracts';

export class SignupDto {
  @ApiProperty({ example: 'alice', pattern: USERNAME_PATTERN.source, description: '3-64 characters: letters, digits, . _ @ -' })
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-64 characters: letters, digits, . _ @ - (starting with a letter or digit)' })
  @IsString({ message: 'username must be a string' })
  @IsDefined({ message: 'username is required' })
  username!: string;

  @ApiProperty({ example: 'correct horse battery staple 7', format: 'password', description: "Checked against the Key Manager's password policy" })
  @Length(1, 256, { message: 'password must be 1 to 256 characters' })
  @IsString({ message: 'password must be a string' })
  @IsDefined({ message: 'password is required' })
  password!: string;
}

export class UserDto {
  @ApiProperty({ example: 'alice' })
  username!: string;
}
